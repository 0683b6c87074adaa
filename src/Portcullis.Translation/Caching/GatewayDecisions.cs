namespace Portcullis.Translation.Caching;

/// <summary>
/// Whether two translations decided the same about a Gateway and its listeners before any route attached: what route
/// attachment and output read of them. Objects computed from unchanged inputs compare by reference (the Gateway, listener
/// specs, certificates from the cache); decisions are strings and flags, compared by value.
/// </summary>
internal static class GatewayDecisions
{
    public static bool Same(GatewayState now, GatewayState before) =>
        ReferenceEquals(now.Gateway, before.Gateway) && now.InvalidParameters == before.InvalidParameters
        && now.UnsupportedAddress == before.UnsupportedAddress && now.BindAddress == before.BindAddress
        && now.AddressPending == before.AddressPending && now.InsecureFrontendValidation == before.InsecureFrontendValidation
        && Sequences.SameValues(now.StatusAddresses, before.StatusAddresses)
        && Sequences.Same(now.Listeners, before.Listeners, Same) && Sequences.Same(now.SetListeners, before.SetListeners, Same);

    private static bool Same(ListenerState now, ListenerState before) =>
        ReferenceEquals(now.Spec, before.Spec) && SameSet(now.Set, before.Set)
        && now.Protocol == before.Protocol && now.TlsMode == before.TlsMode && now.UnsupportedMessage == before.UnsupportedMessage
        && now.ResolvedRefsReason == before.ResolvedRefsReason
        && (now.ResolvedRefsReason is null || Sequences.SameValues(now.ResolvedRefsErrors, before.ResolvedRefsErrors))
        && Sequences.SameReferences(now.Certificates, before.Certificates)
        && Sequences.SameValues(now.SupportedKinds, before.SupportedKinds)
        && Equals(now.ClientValidation, before.ClientValidation) && now.NoValidCaCertificate == before.NoValidCaCertificate
        && now.ConflictReason == before.ConflictReason && now.ConflictMessage == before.ConflictMessage;

    private static bool SameSet(ListenerSetState? now, ListenerSetState? before) =>
        now is null ? before is null
        : before is not null && ReferenceEquals(now.ListenerSet, before.ListenerSet) && now.IsAccepted == before.IsAccepted && now.NotAllowed == before.NotAllowed;
}
