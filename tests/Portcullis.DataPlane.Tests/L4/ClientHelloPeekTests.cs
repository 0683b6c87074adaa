namespace Portcullis.DataPlane.Tests.L4;

using Portcullis.DataPlane.L4;

public class ClientHelloPeekTests
{
    [Fact]
    public void TryParse_IncompleteRecord_WaitsForMore()
    {
        Assert.Null(ClientHelloPeek.TryParse([0x16, 0x03, 0x01]));
        Assert.Null(ClientHelloPeek.TryParse([0x16, 0x03, 0x01, 0x00, 0x40, 0x01]));
    }

    [Fact]
    public void TryParse_PlainHttp_IsNotTls()
    {
        Assert.Equal(ClientHelloOutcome.NotTls, ClientHelloPeek.TryParse("GET / HTTP/1.1\r\n"u8)?.Outcome);
        Assert.Equal(ClientHelloOutcome.NotTls, ClientHelloPeek.TryParse("G"u8)?.Outcome);
    }
}
