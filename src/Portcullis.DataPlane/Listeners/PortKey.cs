namespace Portcullis.DataPlane.Listeners;

using System.Net;

/// <summary>An address and port we listen on; listeners sharing it share one socket.</summary>
internal readonly record struct PortKey(IPAddress Address, int Port)
{
    public static bool TryParse(string address, int port, out PortKey key)
    {
        if (IPAddress.TryParse(address, out var ip) && port is > 0 and <= 65535)
        {
            key = new PortKey(ip, port);
            return true;
        }

        key = default;
        return false;
    }

    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
