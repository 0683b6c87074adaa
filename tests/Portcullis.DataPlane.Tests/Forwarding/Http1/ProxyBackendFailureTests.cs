namespace Portcullis.DataPlane.Tests.Forwarding.Http1;

using System.Net;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>Through the whole proxy: how a failing HTTP/1.1 backend looks to the client with the proxy's own client.</summary>
public sealed class ProxyBackendFailureTests
{
    [Fact]
    public async Task Forward_BackendClosesBeforeAnswering_Answers502()
    {
        await using var backend = new RawBackend((_, _) => Task.FromResult(false));
        using var client = await ProxyToAsync(backend);

        using var response = await client.Value.GetAsync(new Uri($"http://a.test:{client.Port}/"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Forward_BackendClosesMidBody_AbortsTheClientResponse()
    {
        await using var backend = new RawBackend((_, s) =>
            RawBackend.Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('x', 1000), keepOpen: false));
        using var client = await ProxyToAsync(backend);

        using var response = await client.Value.GetAsync(new Uri($"http://a.test:{client.Port}/"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Forward_ChunkedBackendResponse_ReachesTheClientWhole()
    {
        await using var backend = new RawBackend((_, s) =>
            RawBackend.Write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-From: raw\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
        using var client = await ProxyToAsync(backend);

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.Value.GetAsync(new Uri($"http://a.test:{client.Port}/"));
            Assert.Equal("abcdefg", await response.Content.ReadAsStringAsync());
            Assert.Equal("raw", Assert.Single(response.Headers.GetValues("X-From")));
        }

        Assert.Equal(1, backend.Accepted);
    }

    private static async Task<ProxiedClient> ProxyToAsync(RawBackend backend)
    {
        var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/", To(target)))), CancellationToken.None);
        return new ProxiedClient(proxy, ProxyFixture.Client(port, version: HttpVersion.Version11), port);
    }

    private sealed record ProxiedClient(ProxyFixture Proxy, HttpClient Value, int Port) : IDisposable
    {
        public void Dispose()
        {
            Value.Dispose();
            Proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
