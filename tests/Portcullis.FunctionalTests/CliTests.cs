namespace Portcullis.FunctionalTests;

using Portcullis.FunctionalTests.Infrastructure;

/// <summary>The offline verbs, run as a user would run them.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Validate_WorkshopExamples_SucceedsWithInfoForSkippedKinds()
    {
        var r = await ProcessRunner.Portcullis("validate", "--config", Path.Combine(Repo.Examples, "workshop"));

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("ServiceAccount", r.All, StringComparison.Ordinal);
        Assert.Contains("Deployment", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_BrokenDocument_NamesFileDocumentFieldAndReason_ExitsNonZero()
    {
        await using var s = Scenario.Create();
        s.Write("gateway.yaml", Manifests.GatewayClass + "\n---\n" + Manifests.SniGateway(70000, 443));

        var r = await ProcessRunner.Portcullis("validate", "--config", s.Config);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("gateway.yaml (document 1) Gateway default/sni-gateway: spec.listeners[0].port:", r.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_WorkshopStep6_3_AddsHttpsListener_LikeKubectlPatchLocal()
    {
        var gatewayFile = Path.Combine(Repo.Examples, "workshop", "02-sni-gateway.yaml");
        const string patch = """[{"op":"add","path":"/spec/listeners/-","value":{"name":"https","protocol":"HTTPS","port":443,"tls":{"mode":"Terminate","certificateRefs":[{"kind":"Secret","group":"","name":"example-cert"}]}}}]""";

        var r = await ProcessRunner.Portcullis("patch", "--local", "-f", gatewayFile, "--type=json", "-p", patch);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("  - name: https\n    protocol: HTTPS\n    port: 443\n", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("name: example-cert", r.StdOut, StringComparison.Ordinal);
    }
}
