namespace Portcullis.FunctionalTests.Conformance;

using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// A request to make and what must come back, like upstream's http.ExpectedResponse: on 200 the echo backend
/// must have seen the same path (with query), method and (when given) Host, in Namespace, from a pod whose
/// name starts with Backend.
/// </summary>
internal sealed record Expected(string Path = "/", string? Host = null, string Method = "GET", int Status = 200, string Backend = "", string? Namespace = null)
{
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>HTTPS only: the SNI to send when it differs from Host (connection coalescing tests).</summary>
    public string? ServerName { get; init; }

    /// <summary>Send over HTTP/2 only: ALPN h2 over HTTPS, prior knowledge (h2c) over HTTP (upstream's H2Protocol, H2CPriorKnowledgeProtocol).</summary>
    public bool Http2 { get; init; }

    /// <summary>Upstream's Response.StatusCodes: any of these will do (overrides Status).</summary>
    public int[]? StatusCodes { get; init; }

    /// <summary>Upstream's ExpectedRequest.Path: the path (with query) the backend must see, when a filter changes it.</summary>
    public string? BackendPath { get; init; }

    /// <summary>Upstream's ExpectedRequest.Host: the Host the backend must see, when a filter changes it.</summary>
    public string? BackendHost { get; init; }

    /// <summary>Upstream's ExpectedRequest.Headers: values of repeated headers joined with ",", names case-insensitive.</summary>
    public IReadOnlyDictionary<string, string>? BackendHeaders { get; init; }

    /// <summary>Upstream's ExpectedRequest.AbsentHeaders.</summary>
    public IReadOnlyList<string>? BackendAbsentHeaders { get; init; }

    /// <summary>Upstream's BackendSetResponseHeaders: sent as X-Echo-Set-Header for the echo to answer with.</summary>
    public IReadOnlyDictionary<string, string>? BackendSetResponseHeaders { get; init; }

    /// <summary>Upstream's Response.Headers (checked on 200/204 only, as upstream does).</summary>
    public IReadOnlyDictionary<string, string>? ResponseHeaders { get; init; }

    /// <summary>Upstream's Response.ValidHeaderValues: the header must have one of these values.</summary>
    public IReadOnlyDictionary<string, string[]>? ResponseValidHeaderValues { get; init; }

    /// <summary>Upstream's Response.AbsentHeaders.</summary>
    public IReadOnlyList<string>? ResponseAbsentHeaders { get; init; }

    /// <summary>Upstream's Response.IgnoreWhitespace: spaces do not count when comparing response header values.</summary>
    public bool IgnoreWhitespace { get; init; }

    /// <summary>Upstream's RedirectRequest: what the Location of a 3xx must say (redirects are never followed).</summary>
    public ExpectedRedirect? Redirect { get; init; }

    public override string ToString() =>
        $"{(ServerName is null ? "" : $"[SNI {ServerName}] ")}{Method} {Host ?? "(gateway address)"}{Path}{(Headers is null ? "" : " " + string.Join(",", Headers.Select(h => $"{h.Key}:{h.Value}")))} -> {(StatusCodes is null ? Status : string.Join("|", StatusCodes))} {Backend}";
}

/// <summary>
/// Upstream's roundtripper.RedirectRequest: a null part means upstream's empty string. Host and Path default to
/// what was requested, Scheme to the request's scheme; a null Port accepts only the scheme's default port
/// (present or omitted), as upstream's CompareRoundTrip does.
/// </summary>
internal sealed record ExpectedRedirect(string? Scheme = null, string? Host = null, string? Port = null, string? Path = null);

/// <summary>What came back: status, response headers (names lower-cased), the echo's JSON when the answer was one, the Location.</summary>
internal sealed record CapturedResponse(int Status, IReadOnlyDictionary<string, string[]> Headers, JsonNode? Body, string? Location, Uri RequestUri);

/// <summary>Sends conformance requests to a Gateway's address, over HTTP or (with SNI = Host) HTTPS.</summary>
internal sealed class ConformanceRequests(ConformanceSuite suite) : IDisposable
{
    /// <summary>Upstream's RequiredConsecutiveSuccesses: one right answer could be a config still converging.</summary>
    private const int RequiredConsecutiveSuccesses = 3;

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly ConcurrentDictionary<string, HttpClient> _https = new();

    /// <summary>Runs every case concurrently (upstream's t.Parallel subtests) and reports all that failed.</summary>
    public async Task ExpectAllAsync(string address, int port, params Expected[] cases) => await ExpectAllAsync(address, port, "http", cases);

    public async Task ExpectAllAsync(string address, int port, string scheme, params Expected[] cases)
    {
        var failures = await Task.WhenAll(cases.Select(async (c, i) =>
        {
            try
            {
                await MakeRequestAndExpectEventuallyConsistentResponseAsync(address, port, c, scheme);
                return null;
            }
            catch (Xunit.Sdk.XunitException e)
            {
                return $"case {i}: {e.Message}";
            }
        }));
        var failed = failures.Where(f => f is not null).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {cases.Length} cases failed:\n{string.Join("\n", failed)}");
    }

    public async Task MakeRequestAndExpectEventuallyConsistentResponseAsync(string address, int port, Expected expected, string scheme = "http", int requiredSuccesses = RequiredConsecutiveSuccesses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var streak = 0;
        string? complaint = null;
        while (streak < requiredSuccesses)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{expected}: {complaint}");
            }

            try
            {
                var captured = scheme == "https" && expected.ServerName is not null
                    ? await CaptureWithCurlAsync(address, port, expected)
                    : await CaptureAsync(address, port, expected, scheme);
                complaint = RoundTripComparison.Compare(expected, captured);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                complaint = $"{e.GetType().Name}: {e.Message}";
            }

            if (complaint is null)
            {
                streak++;
            }
            else
            {
                streak = 0;
                await Task.Delay(100);
            }
        }
    }

    /// <summary>One round trip: the status and, on 200, the echo backend's JSON description of the request.</summary>
    public async Task<(int Status, JsonNode? Body)> SendAsync(string address, int port, Expected e, string scheme = "http")
    {
        var p = port.ToString(CultureInfo.InvariantCulture);
        if (scheme == "https" && e.ServerName is not null)
        {
            return await SendWithCurlAsync(address, p, e);
        }

        var captured = await CaptureAsync(address, port, e, scheme);
        return (captured.Status, captured.Status == 200 ? captured.Body : null);
    }

    /// <summary>
    /// Upstream's CaptureRoundTrip: the status, headers and Location of the answer, and its body parsed when it
    /// says it is JSON (the echo's description of the request).
    /// </summary>
    public async Task<CapturedResponse> CaptureAsync(string address, int port, Expected e, string scheme = "http")
    {
        var p = port.ToString(CultureInfo.InvariantCulture);

        using var request = new HttpRequestMessage(new HttpMethod(e.Method),
            scheme == "https" ? $"https://{e.Host}:{p}{e.Path}" : $"http://{address}:{p}{e.Path}");
        if (e.Http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        // Upstream sends the bare Host (no port), over HTTPS too, where SNI is the same name.
        if (e.Host is not null)
        {
            request.Headers.Host = e.Host;
        }

        foreach (var (name, value) in e.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        // Upstream always sends X-Echo-Set-Header, empty when the test wants no response headers from the echo.
        request.Headers.TryAddWithoutValidation("X-Echo-Set-Header",
            string.Join(",", (e.BackendSetResponseHeaders ?? new Dictionary<string, string>()).Select(h => $"{h.Key}:{h.Value}")));

        var client = scheme == "https" ? _https.GetOrAdd(address, HttpsClient) : _http;
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var headers = response.Headers.Concat(response.Content.Headers)
            .GroupBy(h => h.Key.ToLowerInvariant())
            .ToDictionary(g => g.Key, g => g.SelectMany(h => h.Value).ToArray());
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0 ? JsonNode.Parse(text) : null;
        var location = response.Headers.TryGetValues("Location", out var l) ? l.First() : null;
        return new CapturedResponse((int)response.StatusCode, headers, json, location, request.RequestUri!);
    }

    /// <summary>
    /// SNI and Host that differ, for real: SocketsHttpHandler sent the Host header as SNI even with
    /// SslOptions.TargetHost set (seen here), while curl takes SNI from the URL and :authority from -H Host.
    /// </summary>
    private async Task<(int Status, JsonNode? Body)> SendWithCurlAsync(string address, string port, Expected e)
    {
        var r = await ProcessRunner.RunAsync("curl",
        [
            "-sS", e.Http2 ? "--http2" : "--http1.1", "--cacert", suite.ValidityChecksCaFile, "-X", e.Method,
            "--resolve", $"{e.ServerName}:{port}:{address}", "-H", $"Host: {e.Host}",
            "-w", "\nstatus=%{http_code}", $"https://{e.ServerName}:{port}{e.Path}",
        ], TimeSpan.FromSeconds(20));
        var cut = r.StdOut.LastIndexOf("\nstatus=", StringComparison.Ordinal);
        if (r.ExitCode != 0 || cut < 0)
        {
            throw new HttpRequestException($"curl exited {r.ExitCode}: {r.StdErr}");
        }

        var status = int.Parse(r.StdOut[(cut + 8)..].Trim(), CultureInfo.InvariantCulture);
        var body = r.StdOut[..cut];
        return (status, status == 200 && body.Length > 0 ? JsonNode.Parse(body) : null);
    }

    private async Task<CapturedResponse> CaptureWithCurlAsync(string address, int port, Expected e)
    {
        var (status, body) = await SendWithCurlAsync(address, port.ToString(CultureInfo.InvariantCulture), e);
        return new CapturedResponse(status, new Dictionary<string, string[]>(), body, null, new Uri($"https://{e.ServerName}:{port}{e.Path}"));
    }

    /// <summary>Connects every https://HOST:PORT to the Gateway's address (SNI = HOST) and trusts only tls-validity-checks-certificate.</summary>
    private HttpClient HttpsClient(string address)
    {
        var root = X509CertificateLoader.LoadCertificateFromFile(suite.ValidityChecksCaFile);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(address), context.DnsEndPoint.Port), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(root);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return chain.Build(leaf) && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var c in _https.Values)
        {
            c.Dispose();
        }
    }
}
