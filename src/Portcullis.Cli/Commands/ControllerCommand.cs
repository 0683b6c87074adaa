namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Admin;
using Portcullis.Cli.Hosting;
using Portcullis.Cli.Status;
using Portcullis.Kubernetes;
using Portcullis.Kubernetes.Hosting;
using Portcullis.Kubernetes.Leadership;
using Portcullis.Kubernetes.Provisioning;
using Portcullis.Translation;

/// <summary>
/// `portcullis controller`: Kubernetes mode's control plane. Watches the cluster, translates, and (as leader)
/// writes status and provisions the proxies. It serves no traffic; the admin endpoint has health and readiness.
/// </summary>
internal static class ControllerCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string?>("--kubeconfig")
        {
            Description = "Kubeconfig file. Default: in-cluster service account, else $KUBECONFIG or ~/.kube/config.",
        };
        var controller = new Option<string>("--controller-name")
        {
            Description = "GatewayClasses with this spec.controllerName are ours.",
            DefaultValueFactory = _ => TranslatorOptions.DefaultControllerName,
        };
        var leaderElect = new Option<bool>("--leader-elect")
        {
            Description = "Compete for the Lease so that only one replica writes status and provisions.",
            DefaultValueFactory = _ => true,
        };
        var leaseNamespace = new Option<string>("--lease-namespace")
        {
            Description = "Namespace of the portcullis-controller Lease.",
            DefaultValueFactory = _ => new LeaderElectionOptions().Namespace,
        };
        var admin = CommonServeOptions.Admin("Admin endpoint: /healthz and /readyz on any address; status only on loopback.");
        var logLevel = CommonServeOptions.LogLevel();

        var command = new Command("controller", "Run the Kubernetes controller: watch the cluster, write Gateway API status, provision proxies.")
        {
            kubeconfig, controller, leaderElect, leaseNamespace, admin, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!CommonServeOptions.TryParseAdmin(parse.GetValue(admin)!, out var adminEndpoint, out var error))
            {
                Console.Error.WriteLine("error: " + error);
                return 1;
            }

            var options = new ControllerOptions
            {
                // Addresses come from each Gateway's provisioned Service, not from a local pool.
                Translator = new TranslatorOptions { ControllerName = parse.GetValue(controller)!, AddressSource = AddressSource.ProvisionedService },
                LeaderElection = parse.GetValue(leaderElect) ? new LeaderElectionOptions { Namespace = parse.GetValue(leaseNamespace)! } : null,
            };
            return await RunAsync(parse.GetValue(kubeconfig), options, adminEndpoint, parse.GetValue(logLevel), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? kubeconfig, ControllerOptions options, IPEndPoint adminEndpoint, LogLevel level, CancellationToken interrupted)
    {
        // Stopping (Ctrl+C or SIGTERM) releases the Lease for the next leader.
        using var shutdown = new ProcessShutdown(interrupted);
        var cancellationToken = shutdown.Token;
        using var loggerFactory = ProcessShutdown.CreateLoggerFactory(level);

        k8s.IKubernetes client;
        try
        {
            client = KubernetesClientFactory.Create(kubeconfig);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            Console.Error.WriteLine($"error: no usable cluster configuration: {e.Message}");
            return 1;
        }

        using (client)
        {
            var store = new StatusStore(TimeProvider.System);
            Microsoft.AspNetCore.Builder.WebApplication adminServer;
            try
            {
                adminServer = await AdminServer.StartAsync(adminEndpoint, store, cancellationToken, AdminExposure.ProbesOffLoopback).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"error: --admin {adminEndpoint}: {e.InnerException?.Message ?? e.Message}");
                return 1;
            }

            await using (adminServer.ConfigureAwait(false))
            {
                var provider = new KubernetesProvider(client, new KubernetesProviderOptions(), loggerFactory.CreateLogger<KubernetesProvider>());
                var provisioner = new GatewayProvisioner(client, GatewayProvisionerOptions.FromEnvironment(), loggerFactory.CreateLogger<GatewayProvisioner>());
                var host = new ControllerHost(client, provider, options, provisioner, loggerFactory,
                    s => store.Publish(s.Update.Snapshot, s.Result.Status, s.Update.Diagnostics, []));
                try
                {
                    await host.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Ctrl+C or SIGTERM
                }
            }
        }

        return 0;
    }
}
