namespace Portcullis.DataPlane;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>
/// The logger factory the proxy's Kestrel app sees: the embedding process's factory, except that ASP.NET Core's
/// per-request hosting diagnostics and Kestrel's per-connection log get no logger.
/// </summary>
/// <remarks>
/// ASP.NET Core starts an <see cref="System.Diagnostics.Activity"/> and a log scope for every request whenever its
/// hosting logger has any level enabled (it checks Critical), whether or not anything is written: about 1 KB and
/// the trace-context parsing per request. Kestrel likewise opens a log scope (an async-local value that every
/// later continuation of the connection carries) for every connection. Both categories write only Debug and
/// Information lines (request start/finish, connection start/stop), which a proxy serving thousands of requests
/// and handshakes a second does not want anyway; warnings and errors come from other categories.
/// </remarks>
internal sealed class HostingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private static readonly HashSet<string> Silenced = new(StringComparer.Ordinal)
    {
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Server.Kestrel.Connections",
    };

    public ILogger CreateLogger(string categoryName) =>
        Silenced.Contains(categoryName) ? NullLogger.Instance : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory belongs to the embedding process, which disposes it.</summary>
    public void Dispose()
    {
    }
}
