namespace Portcullis.Kubernetes.Tests.Provisioning;

using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

/// <summary>Logs into the test's output, so a failing test shows what the provisioner said.</summary>
internal sealed class TestOutputLogger<T>(ITestOutputHelper output) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        output.WriteLine($"{logLevel}: {formatter(state, exception)}");
    }
}
