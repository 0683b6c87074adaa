namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>gateway.networking.k8s.io Gateway.</summary>
public sealed record Gateway : KubernetesObject
{
    public GatewaySpec Spec { get; init; } = new();

    public GatewayStatus? Status { get; init; }
}

public sealed record GatewaySpec
{
    public string GatewayClassName { get; init; } = "";

    public IReadOnlyList<Listener> Listeners { get; init; } = [];

    public IReadOnlyList<GatewaySpecAddress>? Addresses { get; init; }

    public GatewayInfrastructure? Infrastructure { get; init; }

    /// <summary>Which ListenerSets may attach; absent means none may.</summary>
    public AllowedListeners? AllowedListeners { get; init; }

    public GatewayTls? Tls { get; init; }
}

public sealed record AllowedListeners
{
    public ListenerNamespaces? Namespaces { get; init; }
}

public sealed record ListenerNamespaces
{
    /// <summary>None (the default), Same, All or Selector.</summary>
    public string? From { get; init; }

    public LabelSelector? Selector { get; init; }
}

/// <summary>Gateway spec.tls: TLS settings for the whole Gateway rather than one listener.</summary>
public sealed record GatewayTls
{
    public FrontendTlsConfig? Frontend { get; init; }

    public GatewayBackendTls? Backend { get; init; }
}

/// <summary>What a Gateway asks of the infrastructure provisioned for it (labels, annotations, parameters).</summary>
public sealed record GatewayInfrastructure
{
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public LocalParametersReference? ParametersRef { get; init; }
}

public sealed record LocalParametersReference
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";
}

public sealed record Listener
{
    public string Name { get; init; } = "";

    public string? Hostname { get; init; }

    public int Port { get; init; }

    public string Protocol { get; init; } = "";

    public GatewayTlsConfig? Tls { get; init; }

    public AllowedRoutes? AllowedRoutes { get; init; }
}

public static class ListenerProtocols
{
    public const string Http = "HTTP";
    public const string Https = "HTTPS";
    public const string Tls = "TLS";
    public const string Tcp = "TCP";
    public const string Udp = "UDP";
}

public sealed record GatewayTlsConfig
{
    /// <summary>Terminate (the default) or Passthrough.</summary>
    public string? Mode { get; init; }

    public IReadOnlyList<SecretObjectReference> CertificateRefs { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Options { get; init; }
}

public sealed record AllowedRoutes
{
    public RouteNamespaces? Namespaces { get; init; }

    public IReadOnlyList<RouteGroupKind>? Kinds { get; init; }
}

public sealed record RouteNamespaces
{
    /// <summary>Same (the default), All or Selector.</summary>
    public string? From { get; init; }

    public LabelSelector? Selector { get; init; }
}

public sealed record RouteGroupKind
{
    public string? Group { get; init; }

    public string Kind { get; init; } = "";
}

public sealed record GatewaySpecAddress
{
    /// <summary>IPAddress (the default), Hostname or an implementation-specific type.</summary>
    public string? Type { get; init; }

    /// <summary>Optional: when empty, the implementation assigns an address of the type.</summary>
    public string Value { get; init; } = "";
}

public sealed record GatewayStatus
{
    public IReadOnlyList<GatewayStatusAddress> Addresses { get; init; } = [];

    public IReadOnlyList<Condition> Conditions { get; init; } = [];

    public IReadOnlyList<ListenerStatus> Listeners { get; init; } = [];

    /// <summary>How many ListenerSets are attached (allowed, parentRef valid, Accepted); absent when the Gateway allows none.</summary>
    public int? AttachedListenerSets { get; init; }
}

public sealed record GatewayStatusAddress
{
    public string Type { get; init; } = "IPAddress";

    public string Value { get; init; } = "";
}

public sealed record ListenerStatus
{
    public string Name { get; init; } = "";

    public IReadOnlyList<RouteGroupKind> SupportedKinds { get; init; } = [];

    public int AttachedRoutes { get; init; }

    public IReadOnlyList<Condition> Conditions { get; init; } = [];
}
