namespace Portcullis.Cli.Admin;

using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

/// <summary>
/// A minimal Kestrel app embedded in a command. The host's console lifetime is replaced so that Ctrl+C and
/// SIGTERM reach the command's cancellation token (System.CommandLine) instead of being swallowed by the host.
/// </summary>
internal static class SlimHost
{
    public static WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
        return builder;
    }

    private sealed class CommandOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
