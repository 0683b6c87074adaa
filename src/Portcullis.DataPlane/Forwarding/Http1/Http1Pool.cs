namespace Portcullis.DataPlane.Forwarding.Http1;

/// <summary>
/// The idle keep-alive connections to one backend endpoint, most recently used first (a warm connection is
/// reused before a cold one, and the cold ones age out).
/// </summary>
internal sealed class Http1Pool
{
    // An idle socket is checked for a close by the backend before reuse only after this long: servers close idle
    // connections after seconds (Node.js after 5 s), and a check per request would cost a system call each time.
    private const long CheckAfterMs = 1000;

    private readonly Stack<Http1Connection> _idle = new();
    private long _lastUsed = Environment.TickCount64;
    private bool _disposed;

    /// <summary>A pooled connection that still looks open, or null.</summary>
    public Http1Connection? Rent()
    {
        while (true)
        {
            Http1Connection connection;
            lock (_idle)
            {
                if (!_idle.TryPop(out connection!))
                {
                    return null;
                }
            }

            if (Environment.TickCount64 - connection.IdleSince < CheckAfterMs || !connection.LooksClosed())
            {
                connection.Reused = true;
                return connection;
            }

            connection.DisposeIdle();
        }
    }

    public void Return(Http1Connection connection)
    {
        if (!connection.Disarm())
        {
            connection.DisposeIdle(); // timed out or abandoned as the last byte came in: its request failed
            return;
        }

        connection.IdleSince = Environment.TickCount64;
        lock (_idle)
        {
            _lastUsed = connection.IdleSince;
            if (!_disposed)
            {
                _idle.Push(connection);
                return;
            }
        }

        connection.DisposeIdle();
    }

    /// <summary>Closes the connections idle for longer than <paramref name="idleMs"/>.</summary>
    public void CloseIdle(long idleMs)
    {
        List<Http1Connection>? expired = null;
        lock (_idle)
        {
            var now = Environment.TickCount64;
            if (_idle.Count == 0 || now - MinIdleSince() < idleMs)
            {
                return;
            }

            var kept = new List<Http1Connection>(_idle.Count);
            foreach (var connection in _idle)
            {
                if (_disposed || now - connection.IdleSince >= idleMs)
                {
                    (expired ??= []).Add(connection);
                }
                else
                {
                    kept.Add(connection);
                }
            }

            _idle.Clear();
            for (var i = kept.Count - 1; i >= 0; i--)
            {
                _idle.Push(kept[i]);
            }
        }

        expired?.ForEach(c => c.DisposeIdle());
    }

    /// <summary>
    /// Retires the pool when it has had no connection back for <paramref name="idleMs"/> and holds none: the endpoint
    /// may be gone for good. A request still holding it connects anew and its connection is closed afterwards.
    /// </summary>
    public bool TryRetire(long idleMs)
    {
        lock (_idle)
        {
            if (_idle.Count == 0 && Environment.TickCount64 - _lastUsed >= idleMs)
            {
                _disposed = true;
            }

            return _disposed;
        }
    }

    public void Dispose()
    {
        lock (_idle)
        {
            _disposed = true;
        }

        CloseIdle(0);
    }

    private long MinIdleSince()
    {
        var min = long.MaxValue;
        foreach (var connection in _idle)
        {
            min = Math.Min(min, connection.IdleSince);
        }

        return min;
    }
}
