namespace Portcullis.Translation.Caching;

/// <summary>
/// Element-wise comparison of lists, by index: whether a cached result still holds is asked for thousands of lists per
/// translation, and LINQ's SequenceEqual would box two enumerators for each.
/// </summary>
internal static class Sequences
{
    /// <summary>The same objects in the same order.</summary>
    public static bool SameReferences<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
        where T : class =>
        Same(a, b, static (x, y) => ReferenceEquals(x, y));

    /// <summary>Equal values in the same order.</summary>
    public static bool SameValues<T>(IReadOnlyList<T> a, IReadOnlyList<T> b)
        where T : IEquatable<T> =>
        Same(a, b, static (x, y) => x.Equals(y));

    /// <summary>As many elements, each pair <paramref name="same"/> (a static lambda: it allocates nothing).</summary>
    public static bool Same<T>(IReadOnlyList<T> a, IReadOnlyList<T> b, Func<T, T, bool> same)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!same(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
