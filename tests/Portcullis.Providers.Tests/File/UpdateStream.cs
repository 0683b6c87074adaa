namespace Portcullis.Providers.Tests.File;

/// <summary>Reads a provider's updates with generous time limits, so tests wait for outcomes rather than for time.</summary>
internal sealed class UpdateStream : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _cts = new();
    private readonly IAsyncEnumerator<ProviderUpdate> _updates;

    public UpdateStream(IResourceProvider provider)
    {
        _updates = provider.WatchAsync(_cts.Token).GetAsyncEnumerator(_cts.Token);
    }

    public int Count { get; private set; }

    private Task<bool>? _pending;

    /// <summary>The next update, or null if none came within the time limit.</summary>
    public async Task<ProviderUpdate?> NextAsync(TimeSpan? within = null)
    {
        _pending ??= _updates.MoveNextAsync().AsTask();
        var done = await Task.WhenAny(_pending, Task.Delay(within ?? Patience));
        if (done != _pending)
        {
            return null;
        }

        Assert.True(await _pending);
        _pending = null;
        Count++;
        return _updates.Current;
    }

    /// <summary>Reads updates until one satisfies the condition; fails the test after the time limit.</summary>
    public async Task<ProviderUpdate> UntilAsync(Func<ProviderUpdate, bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var update = await NextAsync(deadline - DateTime.UtcNow);
            if (update is not null && condition(update))
            {
                return update;
            }
        }

        Assert.Fail("the expected update did not arrive within 10 s");
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            if (_pending is not null)
            {
                await _pending;
            }

            await _updates.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
        }

        _cts.Dispose();
    }
}
