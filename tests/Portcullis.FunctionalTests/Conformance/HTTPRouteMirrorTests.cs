namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;
using System.Text.RegularExpressions;
using static HTTPRouteHeaderModifierTests;

/// <summary>
/// Upstream's RequestMirror tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/). Mirrored requests are
/// seen, as upstream sees them, in the mirror backend's request log ("Echoing back request made to PATH to
/// client"), each request made unique by upstream's gateway-api-conformance-request-id query parameter.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteMirrorTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";
    private const string V1 = "infra-backend-v1";

    private static readonly Dictionary<string, string> ModifiedHeaders =
        H(("X-Header-Add", "header-val-1"), ("X-Header-Add-Append", "append-val-1,header-val-2"), ("X-Header-Set", "set-overwrites-values"));

    private static readonly Dictionary<string, string> SentHeaders = H(("X-Header-Remove", "remove-val"), ("X-Header-Add-Append", "append-val-1"));

    // httproute-request-mirror.go
    [Fact]
    public async Task HTTPRouteRequestMirror()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-request-mirror.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, "request-mirror");
        await Task.WhenAll(
            ExpectMirroredAsync(g, address, new Expected("/mirror", Backend: V1, Namespace: Ns), "infra-backend-v2"),
            ExpectMirroredAsync(g, address, new Expected("/mirror-and-modify-headers", Backend: V1, Namespace: Ns)
            {
                Headers = SentHeaders,
                BackendHeaders = ModifiedHeaders,
                BackendAbsentHeaders = ["X-Header-Remove"],
            }, "infra-backend-v2"));
    }

    // httproute-request-multiple-mirrors.go
    [Fact]
    public async Task HTTPRouteRequestMultipleMirrors()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-request-multiple-mirrors.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, "request-multiple-mirrors");
        await Task.WhenAll(
            ExpectMirroredAsync(g, address, new Expected("/multi-mirror", Backend: V1, Namespace: Ns), "infra-backend-v2", "infra-backend-v3"),
            ExpectMirroredAsync(g, address, new Expected("/multi-mirror-and-modify-request-headers", Backend: V1, Namespace: Ns)
            {
                Headers = SentHeaders,
                BackendHeaders = ModifiedHeaders,
                BackendAbsentHeaders = ["X-Header-Remove"],
            }, "infra-backend-v2", "infra-backend-v3"));
    }

    // httproute-request-percentage-mirror.go: 500 requests, 10 at a time, up to 5 checks; the mirror must see
    // within 3 standard deviations of its share (binomial), as upstream's testMirroredRequestsDistribution.
    [Fact]
    public async Task HTTPRouteRequestPercentageMirror()
    {
        const string route = "request-percentage-mirror";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-request-percentage-mirror.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await ExpectMirrorShareAsync(g, address, new Expected("/percent-mirror", Backend: V1, Namespace: Ns), 20);
        await ExpectMirrorShareAsync(g, address, new Expected("/percent-mirror-fraction", Backend: V1, Namespace: Ns), 50);
        await ExpectMirrorShareAsync(g, address, new Expected("/percent-mirror-and-modify-headers", Backend: V1, Namespace: Ns)
        {
            Headers = SentHeaders,
            BackendHeaders = ModifiedHeaders,
            BackendAbsentHeaders = ["X-Header-Remove"],
        }, 35);
    }

    /// <summary>Upstream's AddRequestIDQueryParam: a fresh id on the path sent and the path the backend must see.</summary>
    private static Expected WithRequestId(Expected e)
    {
        var id = "gateway-api-conformance-request-id=" + Guid.NewGuid().ToString();
        return e with { Path = e.Path + (e.Path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + id, BackendPath = null };
    }

    private static Regex MirrorLog(string path) => new($"Echoing back request made to {Regex.Escape(path)} to client", RegexOptions.CultureInvariant);

    /// <summary>Upstream's ExpectMirroredRequest around MakeRequestAndExpectEventuallyConsistentResponse.</summary>
    private async Task ExpectMirroredAsync(ConformanceGateway g, string address, Expected expected, params string[] mirrors)
    {
        var e = WithRequestId(expected);
        await g.Requests.MakeRequestAndExpectEventuallyConsistentResponseAsync(address, g.HttpPort, e);
        var log = MirrorLog(e.Path);
        foreach (var mirror in mirrors)
        {
            await GatewayProcessWaitAsync(() => log.IsMatch(suite.EchoLog(mirror)),
                $"the mirrored request {e.Path} in the log of {mirror}; its last lines:\n{Tail(suite.EchoLog(mirror))}\ngateway output:\n{Tail(g.Process.Output)}");
        }
    }

    private async Task ExpectMirrorShareAsync(ConformanceGateway g, string address, Expected expected, int percent)
    {
        const int total = 500;
        await g.Requests.MakeRequestAndExpectEventuallyConsistentResponseAsync(address, g.HttpPort, expected);
        var p = percent / 100.0;
        var margin = 3.0 * Math.Sqrt(total * p * (1 - p));
        var errors = new List<string>();
        for (var check = 0; check < 5; check++)
        {
            var e = WithRequestId(expected);
            using var gate = new SemaphoreSlim(10);
            await Task.WhenAll(Enumerable.Range(0, total).Select(async _ =>
            {
                await gate.WaitAsync();
                try
                {
                    await g.Requests.MakeRequestAndExpectEventuallyConsistentResponseAsync(address, g.HttpPort, e, requiredSuccesses: 1);
                }
                finally
                {
                    gate.Release();
                }
            }));

            // A mirror may land just after the primary answer: count once the log has stopped growing.
            var log = MirrorLog(e.Path);
            var count = -1;
            var settled = 0;
            while (settled < 3)
            {
                var now = log.Count(suite.EchoLog("infra-backend-v2"));
                settled = now == count ? settled + 1 : 0;
                count = now;
                await Task.Delay(100);
            }

            if (Math.Abs(count - (total * p)) <= margin)
            {
                return;
            }

            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{count} of {total} mirrored, want {total * p} +- {margin:F1}"));
        }

        Assert.Fail($"{expected.Path}: percentage based mirror distribution failed: {string.Join("; ", errors)}");
    }

    private static string Tail(string s) => s.Length > 2000 ? "..." + s[^2000..] : s;

    private static Task GatewayProcessWaitAsync(Func<bool> condition, string what) =>
        Infrastructure.GatewayProcess.EventuallyAsync(() => Task.FromResult(condition()), what, TimeSpan.FromSeconds(10));
}
