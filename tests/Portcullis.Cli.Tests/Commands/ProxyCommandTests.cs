namespace Portcullis.Cli.Tests.Commands;

using System.Net;
using Portcullis.Cli.Commands;
using Portcullis.Ir;
using Portcullis.Translation;

public class ProxyCommandTests
{
    private static ListenerConfig Listener(string name) =>
        new(name, "0.0.0.0", 8080, ListenerProtocol.Http, null, EquatableArray<TlsCertificate>.Empty, EquatableArray<RouteConfig>.Empty);

    [Fact]
    public void OnlyGateway_KeepsThatGatewaysListenersOnTheProxyAddress_AndNoOtherGatewaysEvenWithALongerName()
    {
        var config = new GatewayConfig(new[]
        {
            Listener("default/sni-gateway/http"),
            Listener("default/sni-gateway/https"),
            Listener("default/sni-gateway-2/http"),
            Listener("team/sni-gateway/http"),
        }.ToEquatableArray());

        var selected = ProxyCommand.OnlyGateway(new TranslationResult(config, StatusReport.Empty), "default/sni-gateway", IPAddress.Parse("127.10.0.10"));

        Assert.Equal(["default/sni-gateway/http", "default/sni-gateway/https"], selected.Config.Listeners.Select(l => l.Name));
        Assert.All(selected.Config.Listeners, l => Assert.Equal("127.10.0.10", l.Address));
    }
}
