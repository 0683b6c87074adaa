namespace Portcullis.Cli.Hosting;

using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

/// <summary>
/// What every long-running verb (`run`, `proxy`, `controller`) sets up the same way: stopping on Ctrl+C or SIGTERM,
/// and single-line console logs.
/// </summary>
internal sealed class ProcessShutdown : IDisposable
{
    private readonly CancellationTokenSource _stopping;
    private readonly PosixSignalRegistration _sigterm;

    /// <summary>SIGTERM (how Kubernetes and service managers stop a process) stops as gracefully as Ctrl+C.</summary>
    public ProcessShutdown(CancellationToken interrupted)
    {
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            _stopping.Cancel();
        });
    }

    public CancellationToken Token => _stopping.Token;

    public static ILoggerFactory CreateLoggerFactory(LogLevel level) => LoggerFactory.Create(b => b
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        })
        .SetMinimumLevel(level)
        .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
        .AddFilter("Microsoft.Hosting", LogLevel.Warning)
        .AddFilter("Yarp", LogLevel.Warning));

    public void Dispose()
    {
        _sigterm.Dispose();
        _stopping.Dispose();
    }
}
