namespace Portcullis.Model.GatewayApi;

/// <summary>Gateway spec.tls.frontend: client-certificate validation for HTTPS listeners, by port (GEP-91).</summary>
public sealed record FrontendTlsConfig
{
    /// <summary>For every HTTPS listener whose port has no <see cref="PerPort"/> entry.</summary>
    public TlsConfig Default { get; init; } = new();

    /// <summary>Overrides <see cref="Default"/> for the HTTPS listeners on one port; ports are unique.</summary>
    public IReadOnlyList<TlsPortConfig>? PerPort { get; init; }
}

public sealed record TlsPortConfig
{
    public int Port { get; init; }

    public TlsConfig Tls { get; init; } = new();
}

public sealed record TlsConfig
{
    /// <summary>Null: no client certificate is asked for.</summary>
    public FrontendTlsValidation? Validation { get; init; }
}

public sealed record FrontendTlsValidation
{
    public const string AllowValidOnly = "AllowValidOnly";
    public const string AllowInsecureFallback = "AllowInsecureFallback";

    public IReadOnlyList<ObjectReference> CaCertificateRefs { get; init; } = [];

    /// <summary>AllowValidOnly (the default) or AllowInsecureFallback.</summary>
    public string? Mode { get; init; }
}

/// <summary>A reference to an object of any kind, possibly in another namespace (caCertificateRefs).</summary>
public sealed record ObjectReference
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";

    public string? Namespace { get; init; }
}
