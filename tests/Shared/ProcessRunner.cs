// Compiled into each test project that starts real programs (curl, openssl, kubectl); linked from its .csproj.
namespace Portcullis.Testing;

using System.Diagnostics;

internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public string All => StdOut + StdErr;
}

/// <summary>Runs real processes (curl, openssl, portcullis) and captures what they print.</summary>
internal static partial class ProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> to its end with <paramref name="input"/> (or nothing) on stdin. A process still
    /// running after <paramref name="timeout"/> (60 s unless given) is killed and a <see cref="TimeoutException"/> names it.
    /// </summary>
    public static Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> args,
        TimeSpan? timeout = null,
        string? workingDirectory = null,
        IDictionary<string, string>? environment = null,
        string? input = null)
    {
        var process = Start(fileName, args, workingDirectory, environment, input);
        return process.WaitAsync(timeout);
    }

    /// <summary>Starts <paramref name="fileName"/> for a test that acts while it runs; <see cref="RunningProcess.WaitAsync"/> collects it.</summary>
    public static RunningProcess Start(
        string fileName,
        IEnumerable<string> args,
        string? workingDirectory = null,
        IDictionary<string, string>? environment = null,
        string? input = null) =>
        RunningProcess.Start(StartInfo(fileName, args, workingDirectory, environment), input);

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                info.Environment[k] = v;
            }
        }

        return info;
    }
}

/// <summary>A started process whose stdout and stderr are being read whole (line events would add newlines it never printed).</summary>
internal sealed class RunningProcess
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly Task _input;

    private RunningProcess(Process process, string? input)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
        _input = WriteInputAsync(process.StandardInput, input);
    }

    public static RunningProcess Start(ProcessStartInfo info, string? input)
    {
        var process = new Process { StartInfo = info };
        process.Start();
        return new RunningProcess(process, input);
    }

    /// <summary>Waits for the end (60 s unless given), then its exit code and output; kills it and throws on the timeout.</summary>
    public async Task<ProcessResult> WaitAsync(TimeSpan? timeout = null)
    {
        using (_process)
        {
            var limit = timeout ?? TimeSpan.FromSeconds(60);
            using var cts = new CancellationTokenSource(limit);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                var info = _process.StartInfo;
                throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in {limit.TotalSeconds:0.#} s");
            }

            await _input;
            return new ProcessResult(_process.ExitCode, await _stdout, await _stderr);
        }
    }

    private static async Task WriteInputAsync(StreamWriter stdin, string? input)
    {
        try
        {
            if (input is not null)
            {
                await stdin.WriteAsync(input);
            }

            stdin.Close();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The program exited before reading all of it (a broken pipe), or was killed on the timeout: its exit code
            // and output, or the TimeoutException, tell the test.
        }
    }
}
