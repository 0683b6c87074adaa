namespace Portcullis.DataPlane.L4;

using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;

/// <summary>One side of a spliced connection: its stream, and how to end our writing to it.</summary>
internal sealed class SpliceEnd(Stream stream, Socket socket) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;

    /// <summary>The same connection seen through <paramref name="outer"/> (a TLS layer over <see cref="Stream"/>).</summary>
    public SpliceEnd Through(Stream outer) => new(outer, socket);

    /// <summary>Half-close: the peer reads end-of-stream but may still send (TLS: close_notify, then FIN).</summary>
    public async ValueTask CloseWriteAsync()
    {
        if (Stream is SslStream ssl)
        {
            await ssl.ShutdownAsync().ConfigureAwait(false);
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return Stream.DisposeAsync();
    }
}

/// <summary>
/// Copies bytes both ways until both directions have ended. When one side stops sending, the other
/// is half-closed and the reverse direction keeps flowing (a client may shut down its send side and
/// still read the reply). An error in either direction tears down both.
/// </summary>
internal static class Splice
{
    private const int BufferSize = 16 * 1024;

    /// <summary>
    /// Splices until both directions end, or until no byte has moved either way for <paramref name="idleTimeout"/>
    /// (then both sides are closed, as Envoy's tcp_proxy idle_timeout does: a peer that vanished without a FIN or
    /// RST must not hold two sockets forever). True when the idle timeout ended it.
    /// </summary>
    public static async Task<bool> RunAsync(SpliceEnd client, SpliceEnd backend, TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var activity = new Activity();
        var pumps = Task.WhenAll(PumpAsync(client, backend, failed, activity), PumpAsync(backend, client, failed, activity));
        var idled = false;
        var check = idleTimeout / 4 < TimeSpan.FromSeconds(1) ? idleTimeout / 4 : TimeSpan.FromSeconds(1);
        while (!pumps.IsCompleted)
        {
            await Task.WhenAny(pumps, Task.Delay(check, CancellationToken.None)).ConfigureAwait(false);
            if (!pumps.IsCompleted && activity.IdleFor > idleTimeout)
            {
                idled = true;
                await failed.CancelAsync().ConfigureAwait(false);
            }
        }

        await pumps.ConfigureAwait(false);
        return idled;
    }

    private static async Task PumpAsync(SpliceEnd from, SpliceEnd to, CancellationTokenSource failed, Activity activity)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await from.Stream.ReadAsync(buffer.AsMemory(0, BufferSize), failed.Token).ConfigureAwait(false)) > 0)
            {
                activity.Touch();
                await to.Stream.WriteAsync(buffer.AsMemory(0, read), failed.Token).ConfigureAwait(false);
            }

            await to.CloseWriteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A reset, a failed TLS record or shutdown: nothing more can flow either way.
            await failed.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>When a byte last moved in either direction.</summary>
    private sealed class Activity
    {
        private long _last = Environment.TickCount64;

        public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _last));

        public void Touch() => Interlocked.Exchange(ref _last, Environment.TickCount64);
    }
}
