namespace Portcullis.Model.Core;

/// <summary>core/v1 Namespace; its labels feed allowedRoutes selectors.</summary>
public sealed record Namespace : KubernetesObject
{
    public const string NameLabel = "kubernetes.io/metadata.name";
}
