namespace Portcullis.DataPlane.Forwarding;

/// <summary>The path modifiers shared by URLRewrite and RequestRedirect.</summary>
internal static class PathRewriter
{
    /// <summary>
    /// Replaces the matched PathPrefix of <paramref name="path"/> with <paramref name="replacement"/>, whole
    /// segments only, ignoring trailing slashes on both as the spec's table does:
    /// ("/foo/bar", "/foo", "/xyz") -> "/xyz/bar"; ("/foo", "/foo", "") -> "/"; ("/foo/", "/foo", "/xyz") -> "/xyz/".
    /// The caller guarantees that the prefix matched.
    /// </summary>
    public static string ReplacePrefix(string path, string matchedPrefix, string replacement)
    {
        var prefix = matchedPrefix.TrimEnd('/');
        var rest = path.Length >= prefix.Length ? path[prefix.Length..] : "";
        var result = replacement.TrimEnd('/') + rest;
        return result.Length == 0 ? "/" : result;
    }

    /// <summary>The path a modifier produces; <paramref name="matchedPrefix"/> is the route's PathPrefix value.</summary>
    public static string Apply(Ir.PathModifier? modifier, string path, string matchedPrefix) => modifier switch
    {
        null => path,
        { Type: Ir.PathModifierType.ReplaceFullPath } => modifier.Value,
        _ => ReplacePrefix(path, matchedPrefix, modifier.Value),
    };
}
