namespace Portcullis.Translation.Steps;

using System.Net;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;

/// <summary>
/// Gives each Gateway the address its listeners bind and the one status reports: spec.addresses, else
/// a stable slot of the address pool, else the default bind address. Status always names an address a
/// client on this machine can reach, so a wildcard bind is reported as loopback. In Kubernetes mode
/// (<see cref="AddressSource.ProvisionedService"/>) the address is the provisioned Service's instead.
/// </summary>
internal sealed class AddressStep : ITranslationStep
{
    private const string IpAddressType = "IPAddress";
    private const string HostnameType = "Hostname";

    public void Run(TranslationContext context)
    {
        if (context.Options.AddressSource == AddressSource.ProvisionedService)
        {
            foreach (var gw in context.Gateways)
            {
                FromProvisionedService(context, gw);
            }

            return;
        }

        var pool = context.Options.AddressPool is { } network ? new AddressPool(network) : null;
        var fromPool = new List<GatewayState>();
        foreach (var gw in context.Gateways)
        {
            var spec = gw.Gateway.Spec.Addresses;
            if (spec is null || spec.Count == 0)
            {
                fromPool.Add(gw);
                continue;
            }

            foreach (var a in spec)
            {
                if ((a.Type ?? IpAddressType) != IpAddressType)
                {
                    gw.UnsupportedAddress = $"address type {a.Type} is not supported; only IPAddress is";
                }
                else if (!string.IsNullOrEmpty(a.Value) && !IPAddress.TryParse(a.Value, out _))
                {
                    gw.UnsupportedAddress = $"address {a.Value} is not an IP address";
                }
            }

            if (gw.UnsupportedAddress is not null)
            {
                continue;
            }

            // An IPAddress entry without a value asks us to assign one, as if none were given.
            var first = spec.FirstOrDefault(a => !string.IsNullOrEmpty(a.Value));
            if (first is null)
            {
                fromPool.Add(gw);
                continue;
            }

            // Listeners bind one address; a Gateway naming several is served (and reported) on the first.
            var ip = IPAddress.Parse(first.Value);
            pool?.Reserve(ip);
            SetAddress(gw, ip);
        }

        // Oldest first, so an older Gateway keeps its slot when a newer one would collide with it.
        foreach (var gw in fromPool
            .OrderBy(g => g.Gateway.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
            .ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            if (pool is null)
            {
                SetAddress(gw, context.Options.DefaultBindAddress);
            }
            else if (pool.Assign(gw.Key) is { } ip)
            {
                SetAddress(gw, ip);
            }
        }
    }

    /// <summary>
    /// Each Gateway has pods of its own, so listeners bind every interface of the pod; clients reach them
    /// through the Service, whose load-balancer ingress (or, without a load balancer, cluster IP) is reported.
    /// </summary>
    private static void FromProvisionedService(TranslationContext context, GatewayState gw)
    {
        if (gw.Gateway.Spec.Addresses?.FirstOrDefault(a => !string.IsNullOrEmpty(a.Value)) is { } requested)
        {
            gw.UnsupportedAddress = $"spec.addresses {requested.Value}: in Kubernetes mode the address is assigned to the Service {ProvisionedNames.For(gw.Gateway.Metadata.Name)}; requesting one is not supported";
            return;
        }

        gw.BindAddress = IPAddress.Any.ToString();
        var name = ProvisionedNames.For(gw.Gateway.Metadata.Name);
        var service = context.Index.Service(gw.Gateway.Metadata.Namespace ?? "", name);
        if (service is null)
        {
            gw.AddressPending = $"Service {gw.Gateway.Metadata.Namespace}/{name} is not provisioned yet";
            return;
        }

        foreach (var ingress in service.Status?.LoadBalancer?.Ingress ?? [])
        {
            if (!string.IsNullOrEmpty(ingress.Ip))
            {
                gw.StatusAddresses.Add(new GatewayStatusAddress { Type = IpAddressType, Value = ingress.Ip });
            }
            else if (!string.IsNullOrEmpty(ingress.Hostname))
            {
                gw.StatusAddresses.Add(new GatewayStatusAddress { Type = HostnameType, Value = ingress.Hostname });
            }
        }

        var type = service.Spec.Type ?? "ClusterIP";
        if (gw.StatusAddresses.Count == 0 && type is "ClusterIP" or "NodePort"
            && IPAddress.TryParse(service.Spec.ClusterIP, out _))
        {
            gw.StatusAddresses.Add(new GatewayStatusAddress { Type = IpAddressType, Value = service.Spec.ClusterIP! });
        }

        if (gw.StatusAddresses.Count == 0)
        {
            gw.AddressPending = type == "LoadBalancer"
                ? $"Service {service.Metadata.Namespace}/{name} has no load-balancer ingress yet"
                : $"Service {service.Metadata.Namespace}/{name} has no cluster IP yet";
        }
    }

    private static void SetAddress(GatewayState gw, IPAddress bind)
    {
        gw.BindAddress = bind.ToString();
        var reachable = bind.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bind;
        gw.StatusAddresses.Add(new GatewayStatusAddress { Type = IpAddressType, Value = reachable.ToString() });
    }
}
