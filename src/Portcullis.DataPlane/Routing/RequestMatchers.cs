namespace Portcullis.DataPlane.Routing;

using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portcullis.Ir;

/// <summary>A path condition compiled once per config: no allocation and no regex construction per request.</summary>
internal sealed class PathMatcher
{
    private readonly PathMatchType _type;
    private readonly string _value;
    private readonly Regex? _regex;

    public PathMatcher(PathMatch match)
    {
        ArgumentNullException.ThrowIfNull(match);
        _type = match.Type;
        _value = match.Value;
        switch (match.Type)
        {
            case PathMatchType.PathPrefix:
                // Gateway API ignores a trailing slash on a prefix: "/v2/" and "/v2" are the same rule.
                _value = match.Value.TrimEnd('/');
                break;
            case PathMatchType.RegularExpression:
                _regex = RegexFactory.FullMatch(match.Value);
                break;
            case PathMatchType.Exact:
            default:
                break;
        }
    }

    public bool IsMatch(string path) => _type switch
    {
        PathMatchType.Exact => string.Equals(path, _value, StringComparison.Ordinal),
        PathMatchType.PathPrefix => IsSegmentPrefix(path, _value),
        PathMatchType.RegularExpression => RegexFactory.SafeIsMatch(_regex!, path),
        _ => false,
    };

    // Matches whole path segments: "/v2" matches "/v2" and "/v2/x", not "/v2x"; "" (from "/") matches all.
    private static bool IsSegmentPrefix(string path, string prefix) =>
        prefix.Length == 0
        || (path.StartsWith(prefix, StringComparison.Ordinal)
            && (path.Length == prefix.Length || path[prefix.Length] == '/'));
}

/// <summary>A header or query parameter condition; header names compare case-insensitively.</summary>
internal sealed class ValueMatcher
{
    private readonly StringMatchType _type;
    private readonly Regex? _regex;

    public ValueMatcher(string name, StringMatchType type, string value)
    {
        Name = name;
        Value = value;
        _type = type;
        if (type == StringMatchType.RegularExpression)
        {
            _regex = RegexFactory.FullMatch(value);
        }
    }

    public string Name { get; }

    public string Value { get; }

    public bool IsMatch(StringValues values)
    {
        // Any one value of a repeated header may satisfy the condition.
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            if (value is not null && IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsMatch(string value) => _type == StringMatchType.RegularExpression
        ? RegexFactory.SafeIsMatch(_regex!, value)
        : string.Equals(value, Value, StringComparison.Ordinal);
}

internal static class RegexFactory
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(250);

    /// <summary>Gateway API regular expressions match the whole value, so anchor them.</summary>
    public static Regex FullMatch(string pattern) =>
        new($"^(?:{pattern})$", RegexOptions.CultureInvariant, MatchTimeout);

    public static bool SafeIsMatch(Regex regex, string input)
    {
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException)
        {
            // A pathological pattern must not hold a request thread: treat it as no match.
            return false;
        }
    }
}

/// <summary>One RouteConfig compiled: every condition must hold.</summary>
internal sealed class CompiledRoute
{
    private readonly PathMatcher _path;
    private readonly string? _method;
    private readonly ValueMatcher[] _headers;
    private readonly ValueMatcher[] _queryParams;

    public CompiledRoute(RouteConfig route, CompiledAction action)
    {
        ArgumentNullException.ThrowIfNull(route);
        Name = route.Name;
        _path = new PathMatcher(route.Path);
        _method = route.Method;
        _headers = [.. route.Headers.AsImmutableArray().Select(h => new ValueMatcher(h.Name, h.Type, h.Value))];
        _queryParams = [.. route.QueryParams.AsImmutableArray().Select(q => new ValueMatcher(q.Name, q.Type, q.Value))];
        Action = action;
    }

    public string Name { get; }

    public CompiledAction Action { get; }

    public bool IsMatch(HttpRequest request)
    {
        if (!_path.IsMatch(request.Path.Value ?? "/"))
        {
            return false;
        }

        if (_method is not null && !string.Equals(request.Method, _method, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var header in _headers)
        {
            if (!header.IsMatch(request.Headers[header.Name]))
            {
                return false;
            }
        }

        if (_queryParams.Length > 0)
        {
            var query = request.Query;
            foreach (var param in _queryParams)
            {
                // Gateway API: when a parameter repeats, only its first value is considered.
                var values = query[param.Name];
                if (values.Count == 0 || !param.IsMatch(new StringValues(values[0])))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
