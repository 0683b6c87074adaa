namespace Portcullis.DataPlane;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// The logger factory the proxy's Kestrel app sees: the embedding process's factory, except that ASP.NET Core's
/// per-request hosting diagnostics get no logger.
/// </summary>
/// <remarks>
/// ASP.NET Core starts an <see cref="System.Diagnostics.Activity"/> and a log scope for every request whenever its
/// hosting logger has any level enabled (it checks Critical), whether or not anything is written: about 1 KB and
/// the trace-context parsing per request. That category writes only request start/finish lines at Information and
/// Debug, which a proxy serving thousands of requests a second does not want anyway.
/// </remarks>
internal sealed class HostingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public ILogger CreateLogger(string categoryName) =>
        string.Equals(categoryName, HostingDiagnostics, StringComparison.Ordinal) ? NullLogger.Instance : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory belongs to the embedding process, which disposes it.</summary>
    public void Dispose()
    {
    }
}
