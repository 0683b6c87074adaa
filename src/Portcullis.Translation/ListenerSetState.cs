namespace Portcullis.Translation;

using Portcullis.Model.GatewayApi;

/// <summary>What the translator has decided about one ListenerSet whose parentRef names one of our Gateways.</summary>
internal sealed class ListenerSetState(ListenerSet set, GatewayState gateway)
{
    public ListenerSet ListenerSet { get; } = set;

    /// <summary>The parent Gateway, whether or not it allows this ListenerSet.</summary>
    public GatewayState Gateway { get; } = gateway;

    public string Namespace => ListenerSet.Metadata.Namespace ?? "";

    public long Generation => ListenerSet.Metadata.Generation;

    /// <summary>"namespace/name".</summary>
    public string Key => $"{Namespace}/{ListenerSet.Metadata.Name}";

    /// <summary>Set when the Gateway's allowedListeners does not select this ListenerSet (reason NotAllowed).</summary>
    public string? NotAllowed { get; set; }

    /// <summary>The ListenerSet as the parent a route's parentRef names.</summary>
    public Routing.RouteParent AsParent => field ??= new(Gateway, this);

    /// <summary>The listeners, judged; empty when the ListenerSet is not allowed.</summary>
    public List<ListenerState> Listeners { get; } = [];

    /// <summary>Decided by ListenerSetConflictStep: the parent is accepted and at least one listener is valid.</summary>
    public bool IsAccepted { get; set; }

    /// <summary>A listener that may serve: accepted (served protocol, no conflict) and every reference resolved.</summary>
    public static bool IsValid(ListenerState l) => l.IsAccepted && l.ResolvedRefsReason is null;
}
