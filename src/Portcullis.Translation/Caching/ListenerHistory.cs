namespace Portcullis.Translation.Caching;

using System.Collections.Immutable;
using Portcullis.Ir;

/// <summary>
/// The previous translation's IR listeners, in the config's order (by name) and by name. Most listeners of the next
/// config are those same objects, handed on by reused Gateways and routes, so both uses walk the two name-ordered lists
/// side by side and look at names only where the objects differ: no per-translation dictionary of 10,000 names.
/// </summary>
internal sealed class ListenerHistory
{
    private ImmutableArray<ListenerConfig> _previous = [];

    /// <summary>The previous translation's listeners by name.</summary>
    public Dictionary<string, ListenerConfig> ByName { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The config with each listener equal to the previous translation's listener of its name replaced by that object, so
    /// whoever compares the two configs (the data plane reuses an unchanged listener's tables) finds it at once.
    /// </summary>
    public GatewayConfig ReuseEqual(GatewayConfig config)
    {
        var now = config.Listeners.AsImmutableArray();
        ImmutableArray<ListenerConfig>.Builder? reused = null;
        var j = 0;
        for (var i = 0; i < now.Length; i++)
        {
            var l = now[i];
            var previous = Previous(l, ref j);
            if (previous is not null && !ReferenceEquals(previous, l) && previous.Equals(l))
            {
                if (reused is null)
                {
                    reused = ImmutableArray.CreateBuilder<ListenerConfig>(now.Length);
                    reused.AddRange(now, i);
                }

                reused.Add(previous);
            }
            else
            {
                reused?.Add(l);
            }
        }

        return reused is null ? config : config with { Listeners = reused.MoveToImmutable() };
    }

    /// <summary>Remembers the translation's listeners, updating <see cref="ByName"/> where they differ from the previous ones.</summary>
    public void Remember(GatewayConfig config)
    {
        var now = config.Listeners.AsImmutableArray();
        var j = 0;
        foreach (var l in now)
        {
            // Names of the previous config skipped on the way are gone from this one.
            while (j < _previous.Length && !ReferenceEquals(_previous[j], l) && string.CompareOrdinal(_previous[j].Name, l.Name) < 0)
            {
                ByName.Remove(_previous[j++].Name);
            }

            if (j < _previous.Length && ReferenceEquals(_previous[j], l))
            {
                j++;
                continue;
            }

            ByName[l.Name] = l;
            if (j < _previous.Length && _previous[j].Name == l.Name)
            {
                j++;
            }
        }

        for (; j < _previous.Length; j++)
        {
            ByName.Remove(_previous[j].Name);
        }

        _previous = now;
    }

    /// <summary>The previous listener named as <paramref name="l"/>, advancing <paramref name="j"/> through the previous ones in order.</summary>
    private ListenerConfig? Previous(ListenerConfig l, ref int j)
    {
        while (j < _previous.Length && !ReferenceEquals(_previous[j], l) && string.CompareOrdinal(_previous[j].Name, l.Name) < 0)
        {
            j++;
        }

        return j < _previous.Length && (ReferenceEquals(_previous[j], l) || _previous[j].Name == l.Name) ? _previous[j++] : null;
    }
}
