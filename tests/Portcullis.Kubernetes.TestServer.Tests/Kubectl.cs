namespace Portcullis.Kubernetes.TestServer.Tests;

/// <summary>Runs the real kubectl against a test server, with its own kubeconfig and discovery cache.</summary>
internal sealed class Kubectl : IDisposable
{
    private readonly string _directory = System.IO.Directory.CreateTempSubdirectory("portcullis-kubectl-").FullName;

    public Kubectl(TestApiServer server)
    {
        Kubeconfig = server.WriteKubeconfig(Path.Combine(_directory, "kubeconfig"));
    }

    public string Kubeconfig { get; }

    public string WorkDirectory => _directory;

    public Task<ProcessResult> RunAsync(string? stdin, params string[] args) =>
        ProcessRunner.RunAsync(
            "kubectl",
            ["--kubeconfig", Kubeconfig, "--cache-dir", Path.Combine(_directory, "cache"), "--request-timeout", "30s", .. args],
            workingDirectory: _directory,
            environment: new Dictionary<string, string> { ["HOME"] = _directory },
            input: stdin);

    /// <summary>Runs kubectl and fails the test, showing its output, unless it exits 0.</summary>
    public async Task<string> SucceedAsync(string? stdin, params string[] args)
    {
        var result = await RunAsync(stdin, args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}\nexit {result.ExitCode}\nstdout: {result.StdOut}\nstderr: {result.StdErr}");
        return result.StdOut;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
