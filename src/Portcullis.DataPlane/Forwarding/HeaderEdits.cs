namespace Portcullis.DataPlane.Forwarding;

using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Portcullis.Ir;

/// <summary>
/// Applies a HeaderModifier: set overwrites, add appends to the existing value with "," (the spec's
/// "my-header: foo,bar,baz"), remove deletes. Names are case-insensitive on both sides.
/// </summary>
internal static class HeaderEdits
{
    /// <summary>Edits the outgoing request; content headers (Content-Type, ...) live on the content.</summary>
    public static void Apply(HeaderModifier modifier, HttpRequestMessage request)
    {
        foreach (var h in modifier.Set)
        {
            Remove(request, h.Name);
            Add(request, h.Name, h.Value);
        }

        foreach (var h in modifier.Add)
        {
            var existing = Get(request, h.Name);
            Remove(request, h.Name);
            Add(request, h.Name, existing is null ? h.Value : existing + "," + h.Value);
        }

        foreach (var name in modifier.Remove)
        {
            Remove(request, name);
        }
    }

    /// <summary>Edits a response's headers (or a request's, for mirrors built from HttpContext).</summary>
    public static void Apply(HeaderModifier modifier, IHeaderDictionary headers)
    {
        foreach (var h in modifier.Set)
        {
            headers[h.Name] = h.Value;
        }

        foreach (var h in modifier.Add)
        {
            var existing = headers[h.Name];
            headers[h.Name] = existing.Count == 0 ? h.Value : string.Join(',', existing.ToArray()) + "," + h.Value;
        }

        foreach (var name in modifier.Remove)
        {
            headers.Remove(name);
        }
    }

    private static string? Get(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) || (request.Content?.Headers.TryGetValues(name, out values) ?? false)
            ? string.Join(',', values!)
            : null;

    private static void Remove(HttpRequestMessage request, string name)
    {
        request.Headers.Remove(name);
        request.Content?.Headers.Remove(name);
    }

    private static void Add(HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
