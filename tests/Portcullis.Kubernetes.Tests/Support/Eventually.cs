namespace Portcullis.Kubernetes.Tests.Support;

using System.Threading.Channels;
using Portcullis.Model;
using Portcullis.Providers;

/// <summary>Waits for a condition that becomes true asynchronously; the limit is a hang guard, not an assertion on speed.</summary>
internal static class Eventually
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(condition, () => what);

    /// <summary>As above; <paramref name="what"/> is rendered only on failure (e.g. to show the log as it is then, not as it was at the call).</summary>
    public static async Task TrueAsync(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"gave up waiting: {what()}");
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>A provider's updates pumped in the background, so a test can wait for the snapshot it expects.</summary>
internal sealed class ProviderRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ProviderUpdate> _updates = Channel.CreateUnbounded<ProviderUpdate>();
    private readonly Task _pump;

    public ProviderRun(IResourceProvider provider)
    {
        _pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var update in provider.WatchAsync(_stop.Token))
                {
                    Count++;
                    _updates.Writer.TryWrite(update);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public int Count { get; private set; }

    /// <summary>The first update (from now on) whose snapshot satisfies <paramref name="until"/>.</summary>
    public async Task<ResourceSnapshot> NextAsync(Func<ResourceSnapshot, bool> until)
    {
        using var timeout = new CancellationTokenSource(Eventually.Limit);
        while (true)
        {
            var update = await _updates.Reader.ReadAsync(timeout.Token);
            if (until(update.Snapshot))
            {
                return update.Snapshot;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }
}
