namespace Portcullis.FunctionalTests.Infrastructure;

using System.Collections.Concurrent;

/// <summary>
/// Sends requests continuously from several tasks until stopped, counting successes and recording every
/// failure (status or exception). Bounded: it stops by itself after its time limit.
/// </summary>
internal sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(90));
    private readonly Task[] _workers;
    private int _succeeded;

    public LoadLoop(HttpClient client, Uri uri, int concurrency = 4)
    {
        _workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => WorkAsync(client, uri))).ToArray();
    }

    public int Succeeded => Volatile.Read(ref _succeeded);

    public ConcurrentQueue<string> Failures { get; } = new();

    private async Task WorkAsync(HttpClient client, Uri uri)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(uri, _stop.Token);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _succeeded);
                }
                else
                {
                    Failures.Enqueue($"{(int)response.StatusCode} at {DateTime.UtcNow:HH:mm:ss.fff}");
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Failures.Enqueue($"{e.GetType().Name}: {e.Message} at {DateTime.UtcNow:HH:mm:ss.fff}");
            }
        }
    }

    public async Task<(int Succeeded, IReadOnlyList<string> Failures)> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return (Succeeded, Failures.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
