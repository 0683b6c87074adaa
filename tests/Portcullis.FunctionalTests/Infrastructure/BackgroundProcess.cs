namespace Portcullis.FunctionalTests.Infrastructure;

using System.Diagnostics;
using System.Text;

/// <summary>A long-running process (gateway, echo backend) whose output is kept for failure messages.</summary>
internal sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;

    private BackgroundProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static BackgroundProcess Start(string fileName, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var process = new Process { StartInfo = ProcessRunner.StartInfo(fileName, args, environment: environment) };
        var bp = new BackgroundProcess(process);
        process.OutputDataReceived += (_, e) => bp.Append(e.Data);
        process.ErrorDataReceived += (_, e) => bp.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bp;
    }

    /// <summary>
    /// Waits until the output contains the text (e.g. a log line), or fails with the output so far: at the timeout, or as
    /// soon as the process has exited unless <paramref name="whileRunningOnly"/> is false (its last lines may still be
    /// on their way after the exit).
    /// </summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, bool whileRunningOnly = true)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (deadline.Elapsed > timeout || (whileRunningOnly && HasExited))
            {
                throw new TimeoutException($"'{text}' did not appear in the output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append(line).Append('\n');
        }
    }

    /// <summary>Kills the process (tree) if it still runs; safe to call again (a test may stop it before its owner does).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
