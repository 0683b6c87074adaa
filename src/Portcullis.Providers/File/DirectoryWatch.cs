namespace Portcullis.Providers.File;

using System.Threading.Channels;
using Microsoft.Extensions.Logging;

/// <summary>
/// A recursive FileSystemWatcher that turns every event (including renames, so rename-and-replace saves work)
/// into a signal of what happened to which path, and re-creates itself when it fails (buffer overflow, directory
/// replaced): it then signals a full rescan, because events were lost. If the watcher cannot be created, it retries
/// every second.
/// </summary>
internal sealed class DirectoryWatch(string directory, ChannelWriter<WatchSignal> signals, ILogger logger) : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private Timer? _retry;
    private bool _disposed;

    public void Start()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _watcher?.Dispose();
            _watcher = null;
            try
            {
                var watcher = new FileSystemWatcher(directory)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    InternalBufferSize = 64 * 1024,
                };
                watcher.Changed += OnChanged;
                watcher.Created += OnChanged;
                watcher.Deleted += OnChanged;
                watcher.Renamed += OnChanged;
                watcher.Error += OnError;
                watcher.EnableRaisingEvents = true;
                _watcher = watcher;
            }
            catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                FileProvider.LogWatcherStartFailed(logger, directory, e);
                _retry?.Dispose();
                _retry = new Timer(_ => Restart(), null, RetryDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _watcher?.Dispose();
            _retry?.Dispose();
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        FileProvider.LogFileEvent(logger, e.ChangeType, e.FullPath);
        signals.TryWrite(new WatchSignal(e.ChangeType, e.FullPath, (e as RenamedEventArgs)?.OldFullPath));
    }

    private void OnError(object sender, ErrorEventArgs e)
    {
        FileProvider.LogWatcherError(logger, directory, e.GetException());
        Restart();
    }

    private void Restart()
    {
        Start();
        signals.TryWrite(WatchSignal.Rescan);
    }
}
