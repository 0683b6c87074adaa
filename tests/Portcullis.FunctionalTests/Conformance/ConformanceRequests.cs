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

    public override string ToString() =>
        $"{(ServerName is null ? "" : $"[SNI {ServerName}] ")}{Method} {Host ?? "(gateway address)"}{Path}{(Headers is null ? "" : " " + string.Join(",", Headers.Select(h => $"{h.Key}:{h.Value}")))} -> {Status} {Backend}";
}

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

    public async Task MakeRequestAndExpectEventuallyConsistentResponseAsync(string address, int port, Expected expected, string scheme = "http")
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var streak = 0;
        string? complaint = null;
        while (streak < RequiredConsecutiveSuccesses)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{expected}: {complaint}");
            }

            try
            {
                var (status, body) = await SendAsync(address, port, expected, scheme);
                complaint = Compare(expected, status, body);
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

        var client = scheme == "https" ? _https.GetOrAdd(address, HttpsClient) : _http;
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, response.StatusCode == HttpStatusCode.OK && text.Length > 0 ? JsonNode.Parse(text) : null);
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

    private static string? Compare(Expected e, int status, JsonNode? body)
    {
        if (status != e.Status)
        {
            return $"expected status {e.Status}, got {status}";
        }

        if (status != 200)
        {
            return null;
        }

        if (body is null)
        {
            return "no echo body";
        }

        return (string?)body["path"] != e.Path ? $"expected the backend to see path {e.Path}, got {body["path"]}"
            : (string?)body["method"] != e.Method ? $"expected method {e.Method}, got {body["method"]}"
            : e.Host is not null && (string?)body["host"] != e.Host ? $"expected host {e.Host}, got {body["host"]}"
            : (string?)body["namespace"] != e.Namespace ? $"expected namespace {e.Namespace}, got {body["namespace"]}"
            : !((string?)body["pod"] ?? "").StartsWith(e.Backend, StringComparison.Ordinal) ? $"expected pod name to start with {e.Backend}, got {body["pod"]}"
            : null;
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
