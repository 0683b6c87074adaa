namespace Portcullis.Kubernetes.Tests.Support;

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

/// <summary>Keeps log lines in memory, so a failing test can show what the code under test said.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Trace;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception?.Message}");

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}

/// <summary>Every logger it creates writes to the one <see cref="ListLogger"/>, tagged with the category.</summary>
internal sealed class ListLoggerFactory(ListLogger log, string tag) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Tagged(log, tag);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Tagged(ListLogger log, string tag) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => log.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log.Log(logLevel, eventId, state, exception, (s, e) => $"[{tag}] {formatter(s, e)}");
    }
}
