namespace Portcullis.Kubernetes.Status;

using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Portcullis.Kubernetes.Provisioning;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation;

/// <summary>
/// What only the cluster can tell about a GatewayClass: whether the GatewayParameters its parametersRef names
/// exists. The translator judges the reference's group and kind (a wrong kind is InvalidParameters already) but
/// cannot see our own kind, so a class the translator accepted whose GatewayParameters is missing is turned into
/// Accepted=False InvalidParameters here, before the status is written. The provisioner keeps using defaults for
/// its Gateways meanwhile.
/// </summary>
internal sealed class ClassParameters(IKubernetes client)
{
    public const string InvalidParameters = "InvalidParameters";

    /// <summary>The report with missing parameters marked; Missing tells the caller to look again later (nothing watches our kind).</summary>
    public async Task<(StatusReport Report, bool Missing)> AmendAsync(ResourceSnapshot snapshot, StatusReport report, CancellationToken ct)
    {
        var classes = new Dictionary<ObjectRef, GatewayClassStatus>(report.GatewayClasses);
        var missing = false;
        foreach (var gc in snapshot.GatewayClasses)
        {
            if (gc.Spec.ParametersRef is not { Group: GatewayParametersSpec.Group, Kind: GatewayParametersSpec.Kind, Namespace: { Length: > 0 } ns } reference
                || !classes.TryGetValue(gc.Ref, out var status)
                || !status.Conditions.Any(c => c is { Type: "Accepted", Status: "True" })
                || await ExistsAsync(ns, reference.Name, ct).ConfigureAwait(false))
            {
                continue;
            }

            missing = true;
            classes[gc.Ref] = status with
            {
                Conditions = [.. status.Conditions.Select(c => c.Type == "Accepted"
                    ? c with
                    {
                        Status = "False",
                        Reason = InvalidParameters,
                        Message = $"parametersRef: GatewayParameters {ns}/{reference.Name} not found",
                    }
                    : c)],
            };
        }

        return missing ? (report with { GatewayClasses = classes }, true) : (report, false);
    }

    private async Task<bool> ExistsAsync(string ns, string name, CancellationToken ct)
    {
        try
        {
            await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(
                GatewayParametersSpec.Group, GatewayParametersSpec.Version, ns, GatewayParametersSpec.Plural, name, ct).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
