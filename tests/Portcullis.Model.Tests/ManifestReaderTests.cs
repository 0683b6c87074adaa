namespace Portcullis.Model.Tests;

using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;

public class ManifestReaderTests
{
    [Fact]
    public void Read_WorkshopGateway_DefaultsNamespaceAndReadsListeners()
    {
        const string yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: sni-gateway
            spec:
              gatewayClassName: portcullis
              listeners:
                - name: http
                  protocol: HTTP
                  port: 80
            """;
        var result = ManifestReader.Read("gateway.yaml", yaml);
        Assert.Empty(result.Diagnostics);
        var gateway = Assert.IsType<Gateway>(Assert.Single(result.Objects));
        Assert.Equal("default", gateway.Metadata.Namespace);
        Assert.Equal(80, Assert.Single(gateway.Spec.Listeners).Port);
    }

    [Fact]
    public void Read_UnservedKind_IsSkippedWithOneInfoLine()
    {
        const string yaml = """
            apiVersion: v1
            kind: ServiceAccount
            metadata:
              name: backend-sni
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: backend-sni
            spec:
              ports:
                - name: http
                  port: 3000
                  targetPort: 3000
            """;
        var result = ManifestReader.Read("app.yaml", yaml);
        var info = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Info, info.Severity);
        Assert.Contains("ServiceAccount", info.Message, StringComparison.Ordinal);
        Assert.Single(result.Objects);
    }

    [Fact]
    public void Read_WrongFieldType_ReportsFieldPathAndKeepsOtherDocuments()
    {
        const string yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: bad
            spec:
              gatewayClassName: portcullis
              listeners:
                - name: http
                  protocol: HTTP
                  port: eighty
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: apps
            """;
        var result = ManifestReader.Read("mixed.yaml", yaml);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal(0, error.DocumentIndex);
        Assert.Equal("spec.listeners[0].port", error.FieldPath);
        Assert.Single(result.Objects);
    }
}

public class ManifestReaderKubectlOutputTests
{
    [Fact]
    public void Read_KubectlGetOutputWithServerFields_Loads()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: backend-sni
              namespace: default
              uid: 2f8e8a51-6a0c-4b7e-9d0e-0c2b4d3a1f00
              resourceVersion: "1234"
              creationTimestamp: "2025-08-04T14:23:59Z"
              managedFields:
                - manager: kubectl-client-side-apply
                  operation: Update
              finalizers: []
            spec:
              ports:
                - name: http
                  port: 3000
            """;
        var result = ManifestReader.Read("svc.yaml", yaml);
        Assert.Empty(result.Diagnostics);
        Assert.Single(result.Objects);
    }
}

public class ParentRefRuleTests
{
    [Fact]
    public void Read_ParentRefClashingWithTwoEarlierRefs_IsReportedOnce()
    {
        const string yaml = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: r
            spec:
              parentRefs:
                - name: gw
                  sectionName: a
                - name: gw
                  sectionName: b
                - name: gw
            """;
        var result = ManifestReader.Read("route.yaml", yaml);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal("spec.parentRefs[2]", error.FieldPath);
        Assert.Contains("sectionName must be specified", error.Message, StringComparison.Ordinal);
    }
}
