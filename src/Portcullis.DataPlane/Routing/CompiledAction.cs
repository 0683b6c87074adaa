namespace Portcullis.DataPlane.Routing;

using System.Net;
using System.Net.Http;
using Portcullis.DataPlane.Forwarding;
using Portcullis.Ir;
using Yarp.ReverseProxy.Forwarder;

/// <summary>
/// What a matched route does: answer directly, answer a CORS preflight, redirect, or forward to a
/// backend picked by weight (with its filters, mirrors and timeout).
/// </summary>
internal sealed class CompiledAction
{
    private readonly CompiledBackend[] _backends;

    // Running totals of the positive weights: a pick is one random number and a short scan.
    private readonly int[] _cumulativeWeights;
    private readonly int _totalWeight;

    /// <param name="matchedPrefix">The route's PathPrefix value ("" otherwise), for ReplacePrefixMatch.</param>
    public CompiledAction(RouteAction action, string matchedPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(action);
        DirectResponse = action.DirectResponse;
        Redirect = action.Redirect;
        MatchedPrefix = matchedPrefix;
        Cors = action.Cors is { } cors ? new CorsHandler(cors) : null;
        Mirrors = CompiledMirror.From(action.Filters);
        ResponseEdits = action.Filters?.ResponseHeaders;
        RequestEdits = action.Filters?.RequestHeaders is { } edits ? [edits] : [];
        Timeout = (action.Timeouts?.Request, action.Timeouts?.BackendRequest) switch
        {
            // Without retries one backend attempt is the whole request: the shorter limit applies.
            ({ } r, { } b) => r < b ? r : b,
            (var r, var b) => r ?? b,
        };
        var backends = new List<CompiledBackend>();
        var unweighted = new List<CompiledBackend>();
        var cumulative = new List<int>();
        var total = 0;
        foreach (var backend in action.Backends)
        {
            if (backend.Weight <= 0)
            {
                if (action.Session is not null)
                {
                    unweighted.Add(new CompiledBackend(backend, action.Filters, matchedPrefix, Cors)); // sessions may still stick to it
                }

                continue;
            }

            total += backend.Weight;
            backends.Add(new CompiledBackend(backend, action.Filters, matchedPrefix, Cors));
            cumulative.Add(total);
        }

        _backends = [.. backends];
        _cumulativeWeights = [.. cumulative];
        _totalWeight = total;
        Sessions = action.Session is { } session ? new StickySessions(session, backends.Concat(unweighted)) : null;
    }

    /// <summary>Session persistence of the rule; null when every request is load-balanced.</summary>
    public StickySessions? Sessions { get; }

    public DirectResponse? DirectResponse { get; }

    public RequestRedirect? Redirect { get; }

    public string MatchedPrefix { get; }

    public CorsHandler? Cors { get; }

    /// <summary>The rule's ResponseHeaderModifier, for answers the gateway makes itself (redirects).</summary>
    public HeaderModifier? ResponseEdits { get; }

    /// <summary>The rule's RequestHeaderModifier, which copies for the rule's mirrors also get.</summary>
    public HeaderModifier[] RequestEdits { get; }

    /// <summary>Rule-level mirrors; the picked backend may add its own.</summary>
    public CompiledMirror[] Mirrors { get; }

    /// <summary>Limit on the backend exchange (504 when exceeded); null for none.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Null when no backend has a positive weight (the caller answers 500).</summary>
    public CompiledBackend? PickBackend()
    {
        if (_totalWeight == 0)
        {
            return null;
        }

        if (_backends.Length == 1)
        {
            return _backends[0];
        }

        var ticket = Random.Shared.Next(_totalWeight);
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (ticket < _cumulativeWeights[i])
            {
                return _backends[i];
            }
        }

        return _backends[^1];
    }
}

/// <summary>A backend with its endpoints as ready-made destination prefixes, picked round-robin.</summary>
internal sealed class CompiledBackend
{
    private static readonly ForwarderRequestConfig Http1Config = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private static readonly ForwarderRequestConfig H2cConfig = new()
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,

        // h2c backends carry gRPC, whose streams may sit idle for long (server streaming, watches): YARP's
        // default 100 s activity timeout would cut them. Route timeouts, when set, still bound the request.
        ActivityTimeout = Timeout.InfiniteTimeSpan,
    };

    private readonly string[] _destinations;
    private int _next = -1;
    private HttpMessageInvoker? _tlsInvoker;

    public CompiledBackend(WeightedBackend backend, HttpFilters? ruleFilters = null, string matchedPrefix = "", CorsHandler? cors = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        Name = backend.Name;
        Invalid = backend.Invalid;
        RequestConfig = backend.Protocol == BackendProtocol.H2c ? H2cConfig : Http1Config;
        _destinations = [.. backend.Endpoints.AsImmutableArray().Select(FormatDestination)];
        var transformer = new ForwardingTransformer([ruleFilters, backend.Filters], matchedPrefix, cors);
        Transformer = transformer.IsPlain ? ForwardingTransformer.Instance : transformer;
        Mirrors = CompiledMirror.From(backend.Filters);
        RequestEdits = [.. new[] { ruleFilters?.RequestHeaders, backend.Filters?.RequestHeaders }.OfType<HeaderModifier>()];
        Tls = backend.Tls;
    }

    /// <summary>Set when a BackendTLSPolicy applies: requests go through that setting's TLS connection pool.</summary>
    public BackendTls? Tls { get; }

    /// <summary>This backend's TLS pool, looked up once (hashing the settings per request would cost more than the lookup saves).</summary>
    public HttpMessageInvoker InvokerFrom(Forwarding.Reencrypt.BackendTlsInvokers invokers) =>
        _tlsInvoker ??= invokers.For(Tls ?? throw new InvalidOperationException("backend has no TLS settings"));

    /// <summary>Rule then backend header modifiers and rewrites, applied when this backend is picked.</summary>
    public ForwardingTransformer Transformer { get; }

    /// <summary>This backend's own mirrors, sent only when it is picked.</summary>
    public CompiledMirror[] Mirrors { get; }

    /// <summary>Rule then backend request header edits, which copies for this backend's mirrors also get.</summary>
    public HeaderModifier[] RequestEdits { get; }

    public bool IsH2c => RequestConfig == H2cConfig;

    public string Name { get; }

    public bool Invalid { get; }

    public bool HasEndpoints => _destinations.Length > 0;

    /// <summary>Every endpoint as a destination prefix ("http://address:port"), for session persistence to name one.</summary>
    public IReadOnlyList<string> Destinations => _destinations;

    public ForwarderRequestConfig RequestConfig { get; }

    public string NextDestination()
    {
        var index = (uint)Interlocked.Increment(ref _next) % (uint)_destinations.Length;
        return _destinations[index];
    }

    private static string FormatDestination(Endpoint endpoint) =>
        IPAddress.TryParse(endpoint.Address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"http://[{ip}]:{endpoint.Port}"
            : $"http://{endpoint.Address}:{endpoint.Port}";
}

/// <summary>A mirror target and its share of requests.</summary>
internal sealed class CompiledMirror(CompiledBackend backend, int numerator, int denominator)
{
    public CompiledBackend Backend { get; } = backend;

    public static CompiledMirror[] From(HttpFilters? filters) =>
        filters is null ? [] : [.. filters.Mirrors.AsImmutableArray().Select(m => new CompiledMirror(new CompiledBackend(m.Backend), m.Numerator, m.Denominator))];

    /// <summary>Samples this request: numerator out of denominator are mirrored.</summary>
    public bool ShouldMirror() =>
        numerator >= denominator || (numerator > 0 && Random.Shared.Next(denominator) < numerator);
}
