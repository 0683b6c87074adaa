namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Admin;
using Portcullis.Cli.Hosting;
using Portcullis.Ir;
using Portcullis.Kubernetes;
using Portcullis.Translation;

/// <summary>
/// `portcullis proxy --gateway NS/NAME`: a proxy pod of Kubernetes mode. Watches the cluster read-only, translates
/// as the controller does, and serves only its own Gateway's listeners. It never writes status: the controller does.
/// </summary>
internal static class ProxyCommand
{
    public static Command Create()
    {
        var gateway = new Option<string>("--gateway")
        {
            Description = "The Gateway this proxy serves, as NAMESPACE/NAME.",
            Required = true,
        };
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "Kubeconfig file; default: the pod's service account in a cluster, else $KUBECONFIG or ~/.kube/config.",
        };
        var bind = new Option<string>("--bind")
        {
            Description = "Address the Gateway's listeners bind (every interface of the pod by default).",
            DefaultValueFactory = _ => "0.0.0.0",
        };
        var admin = CommonServeOptions.Admin("Admin endpoint: /healthz, and /readyz once the first configuration is applied; status only on loopback.");
        var logLevel = CommonServeOptions.LogLevel();

        var command = new Command("proxy", "Serve one Gateway of a cluster (what the controller's provisioned pods run).")
        {
            gateway, kubeconfig, bind, admin, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryParse(parse.GetValue(gateway)!, parse.GetValue(bind)!, parse.GetValue(admin)!, out var target, out var bindAddress, out var adminEndpoint, out var error))
            {
                Console.Error.WriteLine($"error: {error}");
                return 1;
            }

            using var client = KubernetesClientFactory.Create(parse.GetValue(kubeconfig));
            var serving = new ServingOptions(
                f => new KubernetesProvider(client, ProviderOptions(target), f.CreateLogger<KubernetesProvider>()),
                new TranslatorOptions { AddressSource = AddressSource.ProvisionedService },
                adminEndpoint,
                parse.GetValue(logLevel))
            {
                Select = result => OnlyGateway(result, target, bindAddress),
                AdminExposure = AdminExposure.ProbesOffLoopback,
            };
            return await GatewayServing.RunAsync(serving, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>
    /// Read-only, and Secrets only by name: the ones this Gateway's listeners reference, which the controller's
    /// per-Gateway Role lets this pod's ServiceAccount read (and no others).
    /// </summary>
    internal static KubernetesProviderOptions ProviderOptions(string gatewayKey)
    {
        var (ns, name) = gatewayKey.Split('/') is [var n, var g] ? (n, g) : ("", gatewayKey);
        return new KubernetesProviderOptions { SecretsByName = snapshot => GatewaySecrets.ReferencedBy(snapshot, ns, name) };
    }

    /// <summary>This Gateway's listeners, bound to the proxy's address; every other Gateway has pods of its own.</summary>
    internal static TranslationResult OnlyGateway(TranslationResult result, string gatewayKey, IPAddress bind)
    {
        var prefix = gatewayKey + "/";
        var listeners = result.Config.Listeners
            .Where(l => l.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(l => l with { Address = bind.ToString() })
            .ToEquatableArray();
        return result with { Config = new GatewayConfig(listeners) };
    }

    private static bool TryParse(string gateway, string bind, string admin, out string target, out IPAddress bindAddress, out IPEndPoint adminEndpoint, out string error)
    {
        target = gateway;
        bindAddress = IPAddress.Any;
        adminEndpoint = new IPEndPoint(IPAddress.Loopback, 9901);
        error = "";
        var parts = gateway.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"--gateway {gateway}: expected NAMESPACE/NAME, e.g. default/sni-gateway";
            return false;
        }

        if (!IPAddress.TryParse(bind, out bindAddress!))
        {
            error = $"--bind {bind}: not an IP address";
            return false;
        }

        return CommonServeOptions.TryParseAdmin(admin, out adminEndpoint, out error);
    }
}
