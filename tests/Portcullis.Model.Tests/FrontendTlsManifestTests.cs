namespace Portcullis.Model.Tests;

using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;

public class FrontendTlsManifestTests
{
    private const string Gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          gatewayClassName: p
          listeners: [{name: a, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: c}]}}]
          tls:
            frontend:
              default:
                validation:
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
              perPort:
        """;

    [Fact]
    public void Read_GatewayWithFrontendTls_ReadsDefaultAndPerPortWithModeDefaulted()
    {
        var yaml = Gateway + """
             [{port: 8443, tls: {validation: {mode: AllowInsecureFallback, caCertificateRefs: [{group: "", kind: ConfigMap, name: other, namespace: pki}]}}}]
            """;

        var result = ManifestReader.Read("gw.yaml", yaml);

        Assert.Empty(result.Diagnostics);
        var frontend = Assert.IsType<Gateway>(Assert.Single(result.Objects)).Spec.Tls!.Frontend!;
        Assert.Equal((FrontendTlsValidation.AllowValidOnly, "ca"), (frontend.Default.Validation!.Mode, frontend.Default.Validation.CaCertificateRefs[0].Name));
        var perPort = Assert.Single(frontend.PerPort!);
        Assert.Equal((8443, FrontendTlsValidation.AllowInsecureFallback, "pki"),
            (perPort.Port, perPort.Tls.Validation!.Mode, perPort.Tls.Validation.CaCertificateRefs[0].Namespace));
    }

    [Fact]
    public void Read_PerPortWithDuplicatePort_IsRejectedAsTheApiServerWould()
    {
        var yaml = Gateway + " [{port: 8443, tls: {}}, {port: 8443, tls: {}}]";

        var result = ManifestReader.Read("gw.yaml", yaml);

        Assert.Empty(result.Objects);
        Assert.Contains(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.FieldPath!.StartsWith("spec.tls.frontend.perPort", StringComparison.Ordinal));
    }
}
