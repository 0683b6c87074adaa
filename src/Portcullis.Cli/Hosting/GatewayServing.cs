namespace Portcullis.Cli.Hosting;

using System.Net;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Admin;
using Portcullis.Cli.Status;
using Portcullis.DataPlane;
using Portcullis.Providers;
using Portcullis.Translation;

/// <summary>What a serving process (`run`, `proxy`) is made of; only the provider and the config it serves differ.</summary>
internal sealed record ServingOptions(
    Func<ILoggerFactory, IResourceProvider> CreateProvider,
    TranslatorOptions Translator,
    IPEndPoint Admin,
    LogLevel LogLevel)
{
    /// <summary>Narrows each translation before it is applied (a proxy pod serves one Gateway); null serves all of it.</summary>
    public Func<TranslationResult, TranslationResult>? Select { get; init; }

    /// <summary>What the admin endpoint serves off loopback.</summary>
    public AdminExposure AdminExposure { get; init; } = AdminExposure.Everything;
}

/// <summary>
/// Runs the data plane, the admin endpoint (health, readiness once the first config is applied, status) and the
/// control loop until Ctrl+C or SIGTERM, then drains: requests in flight finish before the process exits.
/// </summary>
internal static class GatewayServing
{
    public static async Task<int> RunAsync(ServingOptions serving, CancellationToken interrupted)
    {
        using var shutdown = new ProcessShutdown(interrupted);
        var cancellationToken = shutdown.Token;
        using var loggerFactory = ProcessShutdown.CreateLoggerFactory(serving.LogLevel);

        using var collectorKeepAlive = CollectorThreadKeepAlive.StartIfUseful();
        using var idleMemoryRelease = IdleMemoryRelease.Start(loggerFactory.CreateLogger<IdleMemoryRelease>());
        var store = new StatusStore(TimeProvider.System);
        await using var proxy = new ProxyServer(ProxyOptions(), loggerFactory);
        await proxy.StartAsync(cancellationToken).ConfigureAwait(false);
        Microsoft.AspNetCore.Builder.WebApplication adminServer;
        try
        {
            adminServer = await AdminServer.StartAsync(serving.Admin, store, cancellationToken, serving.AdminExposure).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: --admin {serving.Admin}: {e.InnerException?.Message ?? e.Message}");
            return 1;
        }

        await using (adminServer.ConfigureAwait(false))
        {
            var host = new GatewayHost(serving.CreateProvider(loggerFactory), serving.Translator, proxy,
                u => store.Publish(u.Snapshot, u.Status, u.Diagnostics, u.BindFailures),
                loggerFactory.CreateLogger<GatewayHost>(), serving.Select);
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM: stop accepting, let requests in flight finish (DisposeAsync drains).
            }
        }

        return 0;
    }

    /// <summary>
    /// Defaults, except PORTCULLIS_INLINE_SCHEDULING=0 turns Kestrel's inline scheduling off: a tuning switch for
    /// measuring it (bench/cpu.sh) where a flag would suggest users need to think about it.
    /// </summary>
    private static ProxyServerOptions ProxyOptions() => new()
    {
        InlineScheduling = Environment.GetEnvironmentVariable("PORTCULLIS_INLINE_SCHEDULING") != "0",
    };
}
