using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Watch;

/// <summary>One change as the store recorded it. <see cref="Object"/> is a private copy nobody mutates.</summary>
internal sealed record WatchEvent(long ResourceVersion, ResourceKey Key, string Type, JsonObject Object)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";

    public string? Namespace => ObjectMeta.Namespace(Object);

    /// <summary>The object before a MODIFIED, so a filtered watch can tell "started/stopped matching".</summary>
    public JsonObject? Previous { get; init; }

    /// <summary>
    /// The event a watch with this selector sees, or null: as on a real server, an object that starts matching
    /// arrives as ADDED and one that stops matching leaves as DELETED.
    /// </summary>
    public string? TypeFor(Func<JsonObject, bool> filter)
    {
        var now = filter(Object);
        var before = Type == Modified && Previous is not null ? filter(Previous) : now;
        return (now, before) switch
        {
            (true, true) => Type,
            (true, false) => Added,
            (false, true) => Deleted,
            _ => null,
        };
    }
}
