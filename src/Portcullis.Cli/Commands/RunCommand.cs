namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Hosting;
using Portcullis.Providers.File;
using Portcullis.Translation;

/// <summary>`portcullis run`: standalone mode. Serves a watched directory of manifests.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<DirectoryInfo>("--config", "-c")
        {
            Description = "Directory of Kubernetes YAML/JSON manifests, read recursively and watched.",
            Required = true,
        };
        var pool = new Option<string?>("--address-pool")
        {
            Description = "CIDR that Gateways without spec.addresses get a stable address from (e.g. 127.10.10.0/26; any 127.0.0.0/8 address works on Linux loopback).",
        };
        var bind = new Option<string>("--bind-address")
        {
            Description = "Address for Gateways with neither spec.addresses nor a pool.",
            DefaultValueFactory = _ => "0.0.0.0",
        };
        var admin = CommonServeOptions.Admin("Admin endpoint (health, status, `portcullis get`). Keep it on loopback.");
        var controller = new Option<string>("--controller-name")
        {
            Description = "GatewayClasses with this spec.controllerName are served.",
            DefaultValueFactory = _ => TranslatorOptions.DefaultControllerName,
        };
        var logLevel = CommonServeOptions.LogLevel();

        var command = new Command("run", "Serve the Gateway API objects in a directory (standalone mode).")
        {
            config, pool, bind, admin, controller, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var directory = parse.GetValue(config)!;
            if (!directory.Exists)
            {
                Console.Error.WriteLine($"error: --config {directory.FullName}: no such directory");
                return 1;
            }

            if (!TryParseOptions(parse.GetValue(pool), parse.GetValue(bind)!, parse.GetValue(admin)!, out var translatorOptions, out var adminEndpoint, out var error))
            {
                Console.Error.WriteLine($"error: {error}");
                return 1;
            }

            translatorOptions = translatorOptions with { ControllerName = parse.GetValue(controller)! };
            return await RunAsync(directory.FullName, translatorOptions, adminEndpoint, parse.GetValue(logLevel), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static bool TryParseOptions(string? pool, string bind, string admin, out TranslatorOptions options, out IPEndPoint adminEndpoint, out string error)
    {
        options = new TranslatorOptions();
        adminEndpoint = new IPEndPoint(IPAddress.Loopback, 9901);
        error = "";
        if (pool is not null)
        {
            if (!IPNetwork.TryParse(pool, out var network))
            {
                error = $"--address-pool {pool}: not a CIDR (e.g. 127.10.10.0/26)";
                return false;
            }

            options = options with { AddressPool = network };
        }

        if (!IPAddress.TryParse(bind, out var bindAddress))
        {
            error = $"--bind-address {bind}: not an IP address";
            return false;
        }

        if (!CommonServeOptions.TryParseAdmin(admin, out var endpoint, out error))
        {
            return false;
        }

        options = options with { DefaultBindAddress = bindAddress };
        adminEndpoint = endpoint;
        return true;
    }

    private static Task<int> RunAsync(string directory, TranslatorOptions options, IPEndPoint adminEndpoint, LogLevel level, CancellationToken interrupted) =>
        GatewayServing.RunAsync(
            new ServingOptions(f => new FileProvider(directory, logger: f.CreateLogger<FileProvider>()), options, adminEndpoint, level),
            interrupted);
}
