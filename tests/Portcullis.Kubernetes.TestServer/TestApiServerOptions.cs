namespace Portcullis.Kubernetes.TestServer;

/// <summary>Knobs tests may turn; the defaults suit most of them.</summary>
public sealed record TestApiServerOptions
{
    /// <summary>How often an idle watch that asked for bookmarks gets one (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How many events the watch history keeps; a watch from further back gets 410 Gone.</summary>
    public int WatchHistoryCapacity { get; init; } = 1000;
}
