namespace Portcullis.Kubernetes.Informers;

using System.Threading.Channels;

/// <summary>Turns a burst of change signals into one: the same quiet-period/max-delay rule as the file provider.</summary>
internal static class Debounce
{
    /// <summary>Waits for a signal, then until none has come for <paramref name="quiet"/> or <paramref name="maxDelay"/> has passed.</summary>
    public static async Task SettleAsync<T>(ChannelReader<T> signals, TimeSpan quiet, TimeSpan maxDelay, CancellationToken ct)
    {
        await signals.ReadAsync(ct).ConfigureAwait(false);
        var deadline = DateTimeOffset.UtcNow + maxDelay;
        for (var wait = quiet; wait > TimeSpan.Zero; wait = Shorter(quiet, deadline - DateTimeOffset.UtcNow))
        {
            while (signals.TryRead(out _))
            {
            }

            using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
            window.CancelAfter(wait);
            try
            {
                if (!await signals.WaitToReadAsync(window.Token).ConfigureAwait(false))
                {
                    return; // completed: nothing more will come
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
