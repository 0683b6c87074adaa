namespace Portcullis.Kubernetes.TestServer.Http;

/// <summary>
/// A resource URL split into its parts: <c>/api/v1[/namespaces/NS]/PLURAL[/NAME[/status]]</c> or the same under
/// <c>/apis/GROUP/VERSION</c>. <c>/api/v1/namespaces/NAME[/status]</c> is the Namespace resource itself.
/// </summary>
internal sealed record ResourcePath(string Group, string Version, string? Namespace, string Plural, string? Name, string? Subresource)
{
    public static ResourcePath? Parse(string[] segments)
    {
        string group;
        string version;
        string[] rest;
        if (segments is ["api", var coreVersion, _, ..])
        {
            (group, version, rest) = ("", coreVersion, segments[2..]);
        }
        else if (segments is ["apis", var g, var v, _, ..])
        {
            (group, version, rest) = (g, v, segments[3..]);
        }
        else
        {
            return null;
        }

        string? ns = null;
        if (rest is ["namespaces", var namespaceName, var next, ..] && next != "status")
        {
            (ns, rest) = (namespaceName, rest[2..]);
        }

        return rest switch
        {
            [var plural] => new(group, version, ns, plural, null, null),
            [var plural, var name] => new(group, version, ns, plural, name, null),
            [var plural, var name, var sub] => new(group, version, ns, plural, name, sub),
            _ => null,
        };
    }
}
