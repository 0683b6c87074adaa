namespace Portcullis.Translation.Addressing;

using System.Net;
using System.Numerics;
using System.Text;

/// <summary>
/// Hands out addresses from a CIDR like a LoadBalancer IP pool, stably: each Gateway's preferred slot
/// comes from an FNV-1a hash of "namespace/name" (string.GetHashCode is randomised per process), and a
/// taken slot moves it to the next free one. The network address itself is never handed out.
/// </summary>
internal sealed class AddressPool
{
    // Large IPv6 pools are cut to this many slots; more Gateways than this on one machine is not a use case.
    private const int MaxSlots = 1 << 16;

    private readonly BigInteger _network;
    private readonly int _firstSlot;
    private readonly int _slots;
    private readonly bool _ipv6;
    private readonly HashSet<int> _taken = [];

    public AddressPool(IPNetwork network)
    {
        _ipv6 = network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        _network = new BigInteger(network.BaseAddress.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        var hostBits = (_ipv6 ? 128 : 32) - network.PrefixLength;
        var size = hostBits >= 16 ? MaxSlots : 1 << hostBits;

        // A /32 (or /128) pool is its single address; otherwise skip the network address.
        _firstSlot = size == 1 ? 0 : 1;
        _slots = size - _firstSlot;
    }

    /// <summary>Marks an address (e.g. a Gateway's spec.addresses entry) as used if it lies in the pool.</summary>
    public void Reserve(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        if (bytes.Length != (_ipv6 ? 16 : 4))
        {
            return;
        }

        var offset = new BigInteger(bytes, isUnsigned: true, isBigEndian: true) - _network;
        if (offset >= _firstSlot && offset < _firstSlot + _slots)
        {
            _taken.Add((int)offset);
        }
    }

    /// <summary>The address for a Gateway key, or null when the pool is exhausted.</summary>
    public IPAddress? Assign(string key)
    {
        if (_slots <= 0 || _taken.Count >= _slots)
        {
            return null;
        }

        var slot = (int)(Fnv1a(key) % (uint)_slots);
        while (!_taken.Add(slot + _firstSlot))
        {
            slot = (slot + 1) % _slots;
        }

        var value = _network + slot + _firstSlot;
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[_ipv6 ? 16 : 4];
        bytes.CopyTo(full.AsSpan(full.Length - bytes.Length));
        return new IPAddress(full);
    }

    internal static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }
}
