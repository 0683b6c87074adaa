namespace Portcullis.Cli.Admin;

using System.Net;

/// <summary>What the admin endpoint serves to a connection, by the local address it arrived on.</summary>
internal enum AdminExposure
{
    /// <summary>Everything to everyone who can connect (standalone: the user chose the address).</summary>
    Everything,

    /// <summary>
    /// Kubernetes mode: deploy/ binds the admin port to 0.0.0.0 so the kubelet can probe it, which also opens it to
    /// every pod in the cluster. Off loopback only /healthz, /livez and /readyz are served; the cached objects and
    /// status (which hold Secret metadata and everything the controller sees) only on loopback, i.e. from inside
    /// the pod or through `kubectl port-forward`.
    /// </summary>
    ProbesOffLoopback,
}

internal static class AdminExposureRules
{
    /// <summary>True when a request that arrived on <paramref name="local"/> may read more than the probes.</summary>
    public static bool AllowsEverything(this AdminExposure exposure, IPAddress? local) =>
        exposure == AdminExposure.Everything
        || (local is not null && IPAddress.IsLoopback(local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local));
}
