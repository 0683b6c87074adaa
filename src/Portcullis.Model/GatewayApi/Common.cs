namespace Portcullis.Model.GatewayApi;

/// <summary>API group and well-known names of the Gateway API.</summary>
public static class GatewayApiGroup
{
    public const string Name = "gateway.networking.k8s.io";
    public const string V1 = Name + "/v1";
    public const string V1Beta1 = Name + "/v1beta1";
    public const string V1Alpha3 = Name + "/v1alpha3";
    public const string V1Alpha2 = Name + "/v1alpha2";

    /// <summary>The experimental x-k8s.io group (XBackendTrafficPolicy and friends).</summary>
    public const string ExperimentalName = "gateway.networking.x-k8s.io";
    public const string ExperimentalV1Alpha1 = ExperimentalName + "/v1alpha1";
}

/// <summary>metav1.Condition. The translator never sets LastTransitionTime; the status sink stamps it.</summary>
public sealed record Condition
{
    public string Type { get; init; } = "";

    public string Status { get; init; } = "";

    public long? ObservedGeneration { get; init; }

    public DateTimeOffset? LastTransitionTime { get; init; }

    public string Reason { get; init; } = "";

    public string Message { get; init; } = "";
}

/// <summary>A reference from a route to its parent Gateway (or listener).</summary>
public sealed record ParentReference
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string? Namespace { get; init; }

    public string Name { get; init; } = "";

    public string? SectionName { get; init; }

    public int? Port { get; init; }
}

/// <summary>A reference to a Secret (certificateRefs) or other namespaced object.</summary>
public sealed record SecretObjectReference
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string Name { get; init; } = "";

    public string? Namespace { get; init; }
}

public sealed record LocalObjectReference
{
    public string Group { get; init; } = "";

    public string Kind { get; init; } = "";

    public string Name { get; init; } = "";
}

public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }

    public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }
}

public sealed record LabelSelectorRequirement
{
    public string Key { get; init; } = "";

    public string Operator { get; init; } = "";

    public IReadOnlyList<string>? Values { get; init; }
}

public sealed record RouteParentStatus
{
    public ParentReference ParentRef { get; init; } = new();

    public string ControllerName { get; init; } = "";

    public IReadOnlyList<Condition> Conditions { get; init; } = [];
}
