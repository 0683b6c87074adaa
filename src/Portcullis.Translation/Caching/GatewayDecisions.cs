namespace Portcullis.Translation.Caching;

/// <summary>
/// Whether two translations decided the same about a Gateway and its listeners before any route attached: what route
/// attachment and output read of them. Objects computed from unchanged inputs compare by reference (the Gateway, listener
/// specs, certificates from the cache); decisions are strings and flags, compared by value.
/// </summary>
internal static class GatewayDecisions
{
    public static bool Same(GatewayState now, GatewayState before)
    {
        if (!ReferenceEquals(now.Gateway, before.Gateway) || now.InvalidParameters != before.InvalidParameters
            || now.UnsupportedAddress != before.UnsupportedAddress || now.BindAddress != before.BindAddress
            || now.AddressPending != before.AddressPending || now.InsecureFrontendValidation != before.InsecureFrontendValidation
            || !SameValues(now.StatusAddresses, before.StatusAddresses)
            || !Same(now.Listeners, before.Listeners) || !Same(now.SetListeners, before.SetListeners))
        {
            return false;
        }

        return true;
    }

    private static bool Same(List<ListenerState> now, List<ListenerState> before)
    {
        if (now.Count != before.Count)
        {
            return false;
        }

        for (var i = 0; i < now.Count; i++)
        {
            if (!Same(now[i], before[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Same(ListenerState now, ListenerState before) =>
        ReferenceEquals(now.Spec, before.Spec) && SameSet(now.Set, before.Set)
        && now.Protocol == before.Protocol && now.TlsMode == before.TlsMode && now.UnsupportedMessage == before.UnsupportedMessage
        && now.ResolvedRefsReason == before.ResolvedRefsReason
        && (now.ResolvedRefsReason is null || SameValues(now.ResolvedRefsErrors, before.ResolvedRefsErrors))
        && SameReferences(now.Certificates, before.Certificates)
        && (ReferenceEquals(now.SupportedKinds, before.SupportedKinds) || SameValues(now.SupportedKinds, before.SupportedKinds))
        && Equals(now.ClientValidation, before.ClientValidation) && now.NoValidCaCertificate == before.NoValidCaCertificate
        && now.ConflictReason == before.ConflictReason && now.ConflictMessage == before.ConflictMessage;

    private static bool SameSet(ListenerSetState? now, ListenerSetState? before) =>
        now is null ? before is null
        : before is not null && ReferenceEquals(now.ListenerSet, before.ListenerSet) && now.IsAccepted == before.IsAccepted && now.NotAllowed == before.NotAllowed;

    // Loops over indexes, not SequenceEqual: for 10,000 listeners its two enumerators per list would be most of a change's garbage.
    private static bool SameValues<T>(IReadOnlyList<T> now, IReadOnlyList<T> before)
        where T : IEquatable<T>
    {
        if (now.Count != before.Count)
        {
            return false;
        }

        for (var i = 0; i < now.Count; i++)
        {
            if (!now[i].Equals(before[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameReferences<T>(List<T> now, List<T> before)
        where T : class
    {
        if (now.Count != before.Count)
        {
            return false;
        }

        for (var i = 0; i < now.Count; i++)
        {
            if (!ReferenceEquals(now[i], before[i]))
            {
                return false;
            }
        }

        return true;
    }
}
