namespace Portcullis.Cli.Commands;

using System.CommandLine;
using Portcullis.Cli.Output;

/// <summary>`portcullis get`: kubectl get against the admin endpoint of a running `portcullis run`.</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var resource = new Argument<string>("RESOURCE") { Description = "gateways (gtw), httproutes, grpcroutes, tlsroutes, tcproutes, udproutes, listenersets (lset), gatewayclasses (gc), referencegrants, backendlbpolicies, xbackendtrafficpolicies, secrets, configmaps (cm), services (svc), endpointslices, namespaces (ns); or TYPE/NAME" };
        var name = new Argument<string?>("NAME") { Description = "One object's name; all objects when omitted", Arity = ArgumentArity.ZeroOrOne };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Namespace (default: default)" };
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "List objects of every namespace" };
        var output = new Option<string?>("--output", "-o") { Description = "wide, yaml, json, name or jsonpath=TEMPLATE" };
        var admin = new Option<string?>("--admin") { Description = $"Admin endpoint of `portcullis run` (default: ${GetRunner.AdminEnvironmentVariable}, else {GetRunner.DefaultAdmin})" };
        var command = new Command("get", "Show objects and their status from a running `portcullis run`, like kubectl get.")
        {
            resource,
            name,
            ns,
            all,
            output,
            admin,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = new GetRequest(
                parse.GetValue(resource)!,
                parse.GetValue(name),
                parse.GetValue(ns),
                parse.GetValue(all),
                parse.GetValue(output),
                parse.GetValue(admin) ?? (Environment.GetEnvironmentVariable(GetRunner.AdminEnvironmentVariable) is { Length: > 0 } env ? env : GetRunner.DefaultAdmin));
            // The admin endpoint is local: an HTTP(S)_PROXY from the environment must not be used for it.
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var runner = new GetRunner(http, Console.Out, Console.Error, TimeProvider.System);
            return await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
