namespace Portcullis.Cli.Tests.Echo;

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Cli.Echo;

public class EchoServerTests
{
    private static readonly EchoContext Context = new("default", "", "", "backend-sni-74bdbf5d5f-qh227");

    private static Task<EchoServerHandle> StartAsync() =>
        EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, 0, 0, Context, null), CancellationToken.None);

    private static HttpClient Client() => new(new SocketsHttpHandler { UseProxy = false });

    [Fact]
    public void ToJson_WorkshopSample_HasTheSameLengthAsEchoBasic()
    {
        // The workshop's sample answer from echo-basic had content-length 471.
        var response = new EchoResponse(
            "/get",
            "www.example.com",
            "GET",
            "HTTP/1.1",
            [
                new("Accept", ["*/*"]),
                new("User-Agent", ["curl/7.68.0"]),
                new("X-Envoy-External-Address", ["10.0.1.10"]),
                new("X-Forwarded-For", ["10.0.1.10"]),
                new("X-Forwarded-Proto", ["http"]),
                new("X-Request-Id", ["a0335487-7ea9-48dd-9828-59658607064b"]),
            ],
            Context);
        Assert.Equal(471, Encoding.UTF8.GetByteCount(response.ToJson()));
    }

    [Theory]
    [InlineData("x-request-id", "X-Request-Id")]
    [InlineData("X-FORWARDED-FOR", "X-Forwarded-For")]
    [InlineData("user-agent", "User-Agent")]
    [InlineData("bad header", "bad header")]
    public void CanonicalHeaderName_FollowsGo(string name, string expected) =>
        Assert.Equal(expected, EchoResponse.CanonicalHeaderName(name));

    [Fact]
    public async Task Http1_Request_IsEchoedAsJsonWithCanonicalHeaders()
    {
        await using var server = await StartAsync();
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.HttpPort}/get?x=1");
        request.Headers.Host = "www.example.com";
        request.Headers.TryAddWithoutValidation("x-request-id", "abc");
        request.Headers.TryAddWithoutValidation("x-forwarded-for", "10.0.1.10");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("/get?x=1", (string?)body["path"]);
        Assert.Equal("www.example.com", (string?)body["host"]);
        Assert.Equal("GET", (string?)body["method"]);
        Assert.Equal("HTTP/1.1", (string?)body["proto"]);
        Assert.Equal("abc", (string?)body["headers"]!["X-Request-Id"]![0]);
        Assert.Equal("10.0.1.10", (string?)body["headers"]!["X-Forwarded-For"]![0]);
        Assert.Null(body["headers"]!["Host"]);
        Assert.Equal("default", (string?)body["namespace"]);
        Assert.Equal("backend-sni-74bdbf5d5f-qh227", (string?)body["pod"]);
    }

    [Fact]
    public async Task H2cPort_PriorKnowledgeRequest_ReportsHttp2()
    {
        await using var server = await StartAsync();
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.H2cPort}/grpc-ish")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpVersion.Version20, response.Version);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("HTTP/2.0", (string?)body["proto"]);
        Assert.Equal("/grpc-ish", (string?)body["path"]);
        Assert.Equal($"127.0.0.1:{server.H2cPort}", (string?)body["host"]);
    }

    [Fact]
    public async Task EchoSetHeader_SetsResponseHeadersJoiningRepeats()
    {
        await using var server = await StartAsync();
        using var client = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.HttpPort}/");
        request.Headers.TryAddWithoutValidation("X-Echo-Set-Header", "X-Foo: bar, X-Foo: baz, X-Other: 1");
        using var response = await client.SendAsync(request);
        Assert.Equal("bar,baz", response.Headers.GetValues("X-Foo").Single());
        Assert.Equal("1", response.Headers.GetValues("X-Other").Single());
    }

    [Fact]
    public async Task StatusPath_AnswersThatStatus()
    {
        await using var server = await StartAsync();
        using var client = Client();
        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/status/503"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var bad = await client.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/status/abc"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Delay_Invalid_AnswersServerErrorWithGoMessage()
    {
        await using var server = await StartAsync();
        using var client = Client();
        using var response = await client.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/?delay=soon"));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("invalid duration", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var ok = await client.GetAsync(new Uri($"http://127.0.0.1:{server.HttpPort}/?delay=10ms"));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("250ms", 2_500_000)]
    [InlineData("1.5s", 15_000_000)]
    [InlineData("1m30s", 900_000_000)]
    [InlineData("0", 0)]
    public void GoDuration_Parses(string text, long ticks)
    {
        Assert.True(GoDuration.TryParse(text, out var d, out _));
        Assert.Equal(ticks, d.Ticks);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("5x")]
    [InlineData("")]
    public void GoDuration_RejectsMalformed(string text) =>
        Assert.False(GoDuration.TryParse(text, out _, out _));
}
