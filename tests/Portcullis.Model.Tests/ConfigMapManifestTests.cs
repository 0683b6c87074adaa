namespace Portcullis.Model.Tests;

using Portcullis.Model.Core;
using Portcullis.Model.Manifests;

public class ConfigMapManifestTests
{
    [Fact]
    public void Read_ConfigMapWithDataAndBinaryData_KeepsTextAndDecodesBinary()
    {
        const string yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: client-ca
            data:
              ca.crt: |
                -----BEGIN CERTIFICATE-----
                MIIB
                -----END CERTIFICATE-----
            binaryData:
              extra.der: AAEC
            immutable: true
            """;

        var result = ManifestReader.Read("ca.yaml", yaml);

        Assert.Empty(result.Diagnostics);
        var cm = Assert.IsType<ConfigMap>(Assert.Single(result.Objects));
        Assert.Equal(("default", true), (cm.Metadata.Namespace, cm.Immutable));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----\nMIIB\n", System.Text.Encoding.UTF8.GetString(cm.Get(ConfigMap.CaCertKey)!), StringComparison.Ordinal);
        Assert.Equal([0, 1, 2], cm.Get("extra.der"));
        Assert.Null(cm.Get("missing"));
    }

    [Fact]
    public void Create_SnapshotWithConfigMap_ListsItUnderConfigMapsAndAll()
    {
        var cm = new ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new() { Name = "ca", Namespace = "default" } };

        var snapshot = ResourceSnapshot.Create([cm]);

        Assert.Same(cm, Assert.Single(snapshot.ConfigMaps));
        Assert.Same(cm, Assert.Single(snapshot.All));
    }

    [Theory]
    [InlineData("data:\n  bad/key: x", "data.bad/key", "Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.'")]
    [InlineData("binaryData:\n  k: not*base64", "binaryData.k", "Invalid value: binaryData values must be base64-encoded")]
    [InlineData("data:\n  k: x\nbinaryData:\n  k: QQ==", "data.k", "Invalid value: \"k\": duplicate of key present in binaryData")]
    [InlineData("data:\n  k: x\nspec: {}", "spec", "unknown field")]
    public void Read_InvalidConfigMap_ReportsFieldPathAndReason(string body, string path, string message)
    {
        var result = ManifestReader.Read("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n" + body);

        Assert.Empty(result.Objects);
        var error = Assert.Single(result.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Error, path), (error.Severity, error.FieldPath));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
