namespace Portcullis.DataPlane;

using Microsoft.Extensions.Logging;
using Portcullis.Ir;

public sealed record ProxyServerOptions
{
    /// <summary>How long a removed port's open connections may finish before they are closed.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A port that could not be bound; its listeners are not serving.</summary>
public sealed record BindFailure(string Address, int Port, IReadOnlyList<string> Listeners, string Reason);

public sealed record ApplyResult(IReadOnlyList<BindFailure> Failures)
{
    public static ApplyResult Success { get; } = new([]);
}

/// <summary>
/// The data plane: owns the listening sockets, terminates TLS, routes and forwards.
/// Apply swaps in a new config without restarting listeners or failing requests in flight.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly ProxyServerOptions _options;
    private GatewayConfig _config = GatewayConfig.Empty;

    public ProxyServer(ProxyServerOptions options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(_options);

    public Task<ApplyResult> ApplyAsync(GatewayConfig config, CancellationToken cancellationToken)
    {
        _config = config;
        return Task.FromResult(ApplyResult.Success);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
