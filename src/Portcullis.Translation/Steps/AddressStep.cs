namespace Portcullis.Translation.Steps;

using System.Net;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;

/// <summary>
/// Gives each Gateway the address its listeners bind and the one status reports: spec.addresses, else
/// a stable slot of the address pool, else the default bind address. Status always names an address a
/// client on this machine can reach, so a wildcard bind is reported as loopback.
/// </summary>
internal sealed class AddressStep : ITranslationStep
{
    private const string IpAddressType = "IPAddress";

    public void Run(TranslationContext context)
    {
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

    private static void SetAddress(GatewayState gw, IPAddress bind)
    {
        gw.BindAddress = bind.ToString();
        var reachable = bind.Equals(IPAddress.Any) ? IPAddress.Loopback
            : bind.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : bind;
        gw.StatusAddresses.Add(new GatewayStatusAddress { Type = IpAddressType, Value = reachable.ToString() });
    }
}
