namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;

/// <summary>
/// Upstream's CompareRoundTrip (conformance/utils/http/http.go): whether one answer is what a conformance case
/// expects. Returns null when it is, else what differs.
/// </summary>
internal static class RoundTripComparison
{
    private static bool IsTimeout(int status) => status is 408 or 504;

    private static bool IsRedirect(int status) => status is 300 or 301 or 302 or 303 or 304 or 305 or 307 or 308;

    /// <summary>Upstream's CompareRoundTrip.</summary>
    public static string? Compare(Expected e, CapturedResponse r)
    {
        var codes = e.StatusCodes ?? [e.Status];
        if (!(codes.Contains(r.Status) || (IsTimeout(r.Status) && codes.Any(IsTimeout))))
        {
            return $"expected status {string.Join(" or ", codes)}, got {r.Status}";
        }

        if (r.Status is 200 or 204)
        {
            return CompareBackendRequest(e, r) ?? CompareResponseHeaders(e, r);
        }

        return IsRedirect(r.Status) && e.Redirect is not null ? CompareRedirect(e, r) : null;
    }

    /// <summary>
    /// What the backend saw. An answer that is not the echo's JSON (the gateway answered itself, e.g. a CORS
    /// preflight) stands for a request with the sent method and nothing else, as in upstream's round tripper.
    /// </summary>
    private static string? CompareBackendRequest(Expected e, CapturedResponse r)
    {
        var body = r.Body;
        var path = body is null ? "" : (string?)body["path"] ?? "";
        var method = body is null ? e.Method : (string?)body["method"] ?? "";
        var host = body is null ? "" : (string?)body["host"] ?? "";
        var ns = body is null ? "" : (string?)body["namespace"] ?? "";
        var pod = body is null ? "" : (string?)body["pod"] ?? "";
        var expectedHost = e.BackendHost ?? e.Host;
        if (!string.IsNullOrEmpty(expectedHost) && expectedHost != host)
        {
            return $"expected the backend to see host {expectedHost}, got {host}";
        }

        var expectedPath = e.BackendPath ?? e.Path;
        if (expectedPath != path)
        {
            return $"expected the backend to see path {expectedPath}, got {(body is null ? "no echo body" : path)}";
        }

        if (method != e.Method)
        {
            return $"expected method {e.Method}, got {method}";
        }

        if (ns != (e.Namespace ?? ""))
        {
            return $"expected namespace {e.Namespace}, got {ns}";
        }

        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in body?["headers"]?.AsObject() ?? [])
        {
            seen[name] = string.Join(",", values!.AsArray().Select(v => (string?)v));
        }

        foreach (var (name, value) in e.BackendHeaders ?? new Dictionary<string, string>())
        {
            if (!seen.TryGetValue(name, out var actual))
            {
                return $"expected the backend to see header {name}, it saw {string.Join("; ", seen.Select(h => $"{h.Key}: {h.Value}"))}";
            }

            if (actual != value)
            {
                return $"expected the backend to see {name}: {value}, got {actual}";
            }
        }

        foreach (var name in e.BackendAbsentHeaders ?? [])
        {
            if (seen.TryGetValue(name, out var actual))
            {
                return $"expected the backend not to see header {name}, got {actual}";
            }
        }

        return !pod.StartsWith(e.Backend, StringComparison.Ordinal) ? $"expected pod name to start with {e.Backend}, got {pod}" : null;
    }

    private static string? CompareResponseHeaders(Expected e, CapturedResponse r)
    {
        string Normal(string v) => e.IgnoreWhitespace ? v.Replace(" ", "", StringComparison.Ordinal) : v;
        string? Actual(string name) => r.Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? string.Join(",", v) : null;
        var all = string.Join("; ", r.Headers.Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        foreach (var (name, valid) in e.ResponseValidHeaderValues ?? new Dictionary<string, string[]>())
        {
            var actual = Actual(name);
            if (actual is null)
            {
                return $"expected response header {name}, got {all}";
            }

            if (!valid.Select(Normal).Contains(Normal(actual)))
            {
                return $"expected response header {name} to be one of [{string.Join(" | ", valid)}], got {actual}";
            }
        }

        foreach (var (name, value) in e.ResponseHeaders ?? new Dictionary<string, string>())
        {
            var actual = Actual(name);
            if (actual is null)
            {
                return $"expected response header {name}, got {all}";
            }

            if (Normal(actual) != Normal(value))
            {
                return $"expected response header {name}: {value}, got {actual}";
            }
        }

        foreach (var name in e.ResponseAbsentHeaders ?? [])
        {
            if (Actual(name) is { } actual)
            {
                return $"expected no response header {name}, got {actual}";
            }
        }

        return null;
    }

    private static readonly System.Text.RegularExpressions.Regex AbsoluteUrl = new(
        "^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<host>\\[[^\\]]*\\]|[^/:?#]*)(:(?<port>[0-9]*))?(?<path>[^?#]*)",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// The Location resolved against the request URL (Go's resp.Location()), split as Go's url.URL does: Port is
    /// what the Location says, empty when it names none; Path is decoded.
    /// </summary>
    private static string? CompareRedirect(Expected e, CapturedResponse r)
    {
        if (r.Location is null)
        {
            return $"{r.Status} without a Location header";
        }

        string scheme, host, port, path;
        var m = AbsoluteUrl.Match(r.Location);
        if (m.Success)
        {
            (scheme, host, port, path) = (m.Groups["scheme"].Value, m.Groups["host"].Value.Trim('[', ']'), m.Groups["port"].Value, m.Groups["path"].Value);
        }
        else
        {
            var resolved = new Uri(r.RequestUri, r.Location);
            (scheme, host, port, path) = (resolved.Scheme, resolved.Host, resolved.IsDefaultPort ? "" : resolved.Port.ToString(CultureInfo.InvariantCulture), resolved.AbsolutePath);
        }

        path = Uri.UnescapeDataString(path);
        var x = e.Redirect!;
        var expectedHost = x.Host ?? host;
        var expectedScheme = x.Scheme ?? r.RequestUri.Scheme;
        var expectedPath = x.Path ?? e.Path.Split('?')[0];
        if (expectedHost != host)
        {
            return $"expected redirected hostname {expectedHost}, got {host} (Location: {r.Location})";
        }

        if (x.Port is null)
        {
            if (scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && port is not ("80" or ""))
            {
                return $"for http scheme, expected redirected port to be 80 or not set, got {port} (Location: {r.Location})";
            }

            if (scheme.Equals("https", StringComparison.OrdinalIgnoreCase) && port is not ("443" or ""))
            {
                return $"for https scheme, expected redirected port to be 443 or not set, got {port} (Location: {r.Location})";
            }
        }
        else if (x.Port != port)
        {
            return $"expected redirected port {x.Port}, got {(port.Length == 0 ? "none" : port)} (Location: {r.Location})";
        }

        return expectedScheme != scheme ? $"expected redirected scheme {expectedScheme}, got {scheme} (Location: {r.Location})"
            : expectedPath != path ? $"expected redirected path {expectedPath}, got {path} (Location: {r.Location})"
            : null;
    }
}
