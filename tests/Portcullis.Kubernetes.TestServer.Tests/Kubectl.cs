using System.Diagnostics;

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

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
    }

    public async Task<Result> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var arg in new[] { "--kubeconfig", Kubeconfig, "--cache-dir", Path.Combine(_directory, "cache"), "--request-timeout", "30s" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["HOME"] = _directory;
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl and fails the test, showing its output, unless it exits 0.</summary>
    public async Task<string> SucceedAsync(string? stdin, params string[] args)
    {
        var result = await RunAsync(stdin, args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}\n{result}");
        return result.Stdout;
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
