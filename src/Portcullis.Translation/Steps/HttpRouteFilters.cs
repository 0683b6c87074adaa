namespace Portcullis.Translation.Steps;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Backends;
using Portcullis.Translation.Status;

/// <summary>The IR form of one filter list (a rule's or a backendRef's).</summary>
/// <param name="Failed">A filter could not be honoured: the requests it would process get 500.</param>
internal sealed record TranslatedFilters(HttpFilters? Filters, RequestRedirect? Redirect, CorsPolicy? Cors, bool Failed);

/// <summary>
/// Turns HTTPRoute filters into IR, reporting through <see cref="HttpRouteRules"/>: values we cannot
/// honour make the route Accepted=False (UnsupportedValue or IncompatibleFilters); references we cannot
/// resolve (ExtensionRef, mirror backends) make it ResolvedRefs=False.
/// </summary>
internal static class HttpRouteFilters
{
    public const string RequestHeaderModifier = "RequestHeaderModifier";
    public const string ResponseHeaderModifier = "ResponseHeaderModifier";
    public const string RequestRedirect = "RequestRedirect";
    public const string UrlRewrite = "URLRewrite";
    public const string RequestMirror = "RequestMirror";
    public const string ExtensionRef = "ExtensionRef";
    public const string Cors = "CORS";

    private static readonly int[] RedirectCodes = [301, 302, 303, 307, 308];

    /// <param name="where">"rule 0" or "rule 0 backendRef 1", prefixed to every message.</param>
    /// <param name="prefixMatchesOnly">Every match of the rule is a PathPrefix match (ReplacePrefixMatch needs it).</param>
    public static TranslatedFilters Translate(SnapshotIndex index, HttpRoute route, IReadOnlyList<HttpRouteFilter> filters,
        string where, bool backendLevel, bool prefixMatchesOnly, HttpRouteRules report)
    {
        HeaderModifier? requestHeaders = null, responseHeaders = null;
        UrlRewrite? rewrite = null;
        RequestRedirect? redirect = null;
        CorsPolicy? cors = null;
        var mirrors = new List<RequestMirror>();
        var failed = false;
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void Reject(string reason, string message)
        {
            report.Reject(reason, $"{where}: {message}");
            failed = true;
        }

        foreach (var f in filters)
        {
            if (f.Type is not (RequestMirror or ExtensionRef) && !seen.Add(f.Type))
            {
                Reject(RouteReasons.IncompatibleFilters, $"filter {f.Type} is repeated");
                continue;
            }

            switch (f.Type)
            {
                case RequestHeaderModifier when f.RequestHeaderModifier is { } m:
                    requestHeaders = Headers(m);
                    break;
                case ResponseHeaderModifier when f.ResponseHeaderModifier is { } m:
                    responseHeaders = Headers(m);
                    break;
                case UrlRewrite when f.UrlRewrite is { } u:
                    var rewritePath = Path(u.Path, "URLRewrite", prefixMatchesOnly, Reject);
                    rewrite = new UrlRewrite(NullIfEmpty(u.Hostname), rewritePath);
                    break;
                case RequestRedirect when f.RequestRedirect is { } r:
                    if (backendLevel)
                    {
                        Reject(RouteReasons.UnsupportedValue, "filter RequestRedirect is not supported on a backendRef");
                        break;
                    }

                    redirect = Redirect(r, prefixMatchesOnly, Reject);
                    break;
                case RequestMirror when f.RequestMirror is { } m:
                    if (Mirror(index, route, m, where, report, Reject) is { } mirror)
                    {
                        mirrors.Add(mirror);
                    }

                    break;
                case Cors when f.Cors is { } c:
                    cors = new CorsPolicy(c.AllowOrigins.ToEquatableArray(), c.AllowMethods.ToEquatableArray(),
                        c.AllowHeaders.ToEquatableArray(), c.ExposeHeaders.ToEquatableArray(), c.AllowCredentials ?? false, c.MaxAge ?? 5);
                    break;
                case ExtensionRef:
                    // We implement no extension filter kinds: the reference cannot be resolved, and the spec
                    // forbids skipping it, so the requests it would process get an error response.
                    var e = f.ExtensionRef;
                    report.Unresolved(RouteReasons.InvalidKind,
                        $"{where}: ExtensionRef filter {e?.Group}/{e?.Kind} {e?.Name} is not a kind Portcullis implements; the {(backendLevel ? "backend" : "rule")} answers 500");
                    failed = true;
                    break;
                default:
                    Reject(RouteReasons.UnsupportedValue, $"filter type {f.Type} is not supported");
                    break;
            }
        }

        if (redirect is not null && rewrite is not null)
        {
            Reject(RouteReasons.IncompatibleFilters, "RequestRedirect and URLRewrite cannot be combined");
        }

        var http = new HttpFilters(requestHeaders, responseHeaders, rewrite, mirrors.ToEquatableArray());
        return new TranslatedFilters(http.IsEmpty ? null : http, redirect, cors, failed);
    }

    private static HeaderModifier Headers(HttpHeaderFilter f)
    {
        // Equivalent names: the first entry wins, later ones are ignored (spec).
        static EquatableArray<HeaderValue> FirstOfEach(IReadOnlyList<HttpHeader> headers)
        {
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            return headers.Where(h => names.Add(h.Name)).Select(h => new HeaderValue(h.Name, h.Value)).ToEquatableArray();
        }

        return new HeaderModifier(FirstOfEach(f.Set), FirstOfEach(f.Add),
            f.Remove.Distinct(StringComparer.OrdinalIgnoreCase).ToEquatableArray());
    }

    private static PathModifier? Path(HttpPathModifier? p, string filter, bool prefixMatchesOnly, Action<string, string> reject)
    {
        switch (p?.Type)
        {
            case null:
                return null;
            case "ReplaceFullPath" when p.ReplaceFullPath is { } full:
                return new PathModifier(PathModifierType.ReplaceFullPath, full);
            case "ReplacePrefixMatch" when p.ReplacePrefixMatch is { } prefix:
                if (!prefixMatchesOnly)
                {
                    reject(RouteReasons.UnsupportedValue, $"{filter} path ReplacePrefixMatch needs PathPrefix matches only");
                    return null;
                }

                return new PathModifier(PathModifierType.ReplacePrefixMatch, prefix);
            default:
                reject(RouteReasons.UnsupportedValue, $"{filter} path type {p.Type} is not supported");
                return null;
        }
    }

    private static RequestRedirect? Redirect(HttpRequestRedirectFilter r, bool prefixMatchesOnly, Action<string, string> reject)
    {
        var ok = true;
        if (r.Scheme is not (null or "http" or "https"))
        {
            reject(RouteReasons.UnsupportedValue, $"RequestRedirect scheme {r.Scheme} is not supported");
            ok = false;
        }

        var status = r.StatusCode ?? 302;
        if (Array.IndexOf(RedirectCodes, status) < 0)
        {
            reject(RouteReasons.UnsupportedValue, $"RequestRedirect statusCode {status.ToString(CultureInfo.InvariantCulture)} is not supported");
            ok = false;
        }

        var failures = 0;
        var path = Path(r.Path, "RequestRedirect", prefixMatchesOnly, (reason, message) => { failures++; reject(reason, message); });
        return ok && failures == 0 ? new RequestRedirect(r.Scheme, NullIfEmpty(r.Hostname), r.Port, path, status) : null;
    }

    private static RequestMirror? Mirror(SnapshotIndex index, HttpRoute route, HttpRequestMirrorFilter m, string where,
        HttpRouteRules report, Action<string, string> reject)
    {
        (int Numerator, int Denominator) share = (m.Percent, m.Fraction) switch
        {
            (null, null) => (1, 1),
            ({ } percent, null) => (percent, 100),
            (null, { } fraction) => (fraction.Numerator, fraction.Denominator ?? 100),
            _ => (-1, -1),
        };
        if (share.Numerator < 0 || share.Denominator < 1 || share.Numerator > share.Denominator)
        {
            reject(RouteReasons.UnsupportedValue, "RequestMirror needs one of percent (0-100) or fraction (numerator <= denominator)");
            return null;
        }

        // An unresolvable mirror is dropped, not served as 500: the rule itself still works (spec).
        var resolved = BackendResolver.Resolve(index, route, m.BackendRef with { Weight = 1 }, report.Kind);
        if (resolved.ErrorReason is not null)
        {
            report.Unresolved(resolved.ErrorReason, $"{where}: mirror {resolved.ErrorMessage}; the mirror is not configured");
            return null;
        }

        return new RequestMirror(resolved.Backend, share.Numerator, share.Denominator);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
