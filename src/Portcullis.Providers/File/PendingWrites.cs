namespace Portcullis.Providers.File;

/// <summary>One watcher event (a path and what happened to it), or <see cref="Rescan"/>: events were lost.</summary>
/// <param name="OldPath">Renamed only: the path the file had before.</param>
internal readonly record struct WatchSignal(WatcherChangeTypes Change, string? Path, string? OldPath = null)
{
    public static WatchSignal Rescan => new(0, null);

    public bool IsRescan => Path is null;
}

/// <summary>
/// The paths of one burst of events whose content may still be arriving, so the settle knows how long to wait.
/// </summary>
/// <remarks>
/// A file created or changed in place may be half written when its event arrives, and only a quiet period tells
/// that its writer is done: such a burst waits the full quiet period. A file renamed into place was written in full
/// before the rename (the atomic save of editors and deployment tools: write a temporary file, rename it over the
/// old one), and a deletion leaves nothing to finish. A burst whose writes all ended like that needs no more than a
/// short pause to gather the rest of the burst. Anything unusual (lost events, a directory created) keeps the full wait.
/// </remarks>
internal sealed class PendingWrites
{
    private readonly HashSet<string> _open = new(StringComparer.Ordinal);

    /// <summary>True once any signal said events were lost: the reader must read every file again.</summary>
    public bool Rescan { get; private set; }

    /// <summary>True when no path of the burst can be half written (and no events were lost).</summary>
    public bool AllComplete => _open.Count == 0 && !Rescan;

    public void Add(WatchSignal signal)
    {
        if (signal.IsRescan)
        {
            Rescan = true;
            return;
        }

        switch (signal.Change)
        {
            case WatcherChangeTypes.Renamed:
                // What was written under the old name is now complete under the new one (and replaced what was there).
                if (signal.OldPath is not null)
                {
                    _open.Remove(signal.OldPath);
                }

                _open.Remove(signal.Path!);
                break;
            case WatcherChangeTypes.Deleted:
                _open.Remove(signal.Path!);
                break;
            default:
                _open.Add(signal.Path!);
                break;
        }
    }
}
