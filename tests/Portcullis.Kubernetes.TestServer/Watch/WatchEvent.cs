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
}
