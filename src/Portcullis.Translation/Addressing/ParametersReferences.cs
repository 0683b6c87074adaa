namespace Portcullis.Translation.Addressing;

/// <summary>
/// Which parametersRefs the translator accepts. Only the provisioner (Kubernetes mode) has anything to
/// parameterise, so standalone rejects every reference; Kubernetes mode takes portcullis.dev GatewayParameters.
/// Whether the named object exists is the provisioner's concern: the snapshot does not hold our own kind.
/// </summary>
internal static class ParametersReferences
{
    public const string Group = "portcullis.dev";
    public const string Kind = "GatewayParameters";

    /// <param name="ns">A GatewayClass's reference must name the namespace of a namespaced kind.</param>
    /// <param name="namespaced">True for a GatewayClass's reference (which carries a namespace).</param>
    public static bool IsOurs(TranslatorOptions options, string group, string kind, string? ns, bool namespaced) =>
        options.AddressSource == AddressSource.ProvisionedService
        && group == Group && kind == Kind
        && (!namespaced || !string.IsNullOrEmpty(ns));

    public static string Supported(TranslatorOptions options) =>
        options.AddressSource == AddressSource.ProvisionedService
            ? $"only {Group}/{Kind} is supported (with a namespace on a GatewayClass)"
            : "standalone mode takes no parameters (portcullis.dev/GatewayParameters are for Kubernetes mode)";
}
