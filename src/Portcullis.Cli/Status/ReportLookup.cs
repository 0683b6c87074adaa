namespace Portcullis.Cli.Status;

using Portcullis.Model.Core;

/// <summary>
/// Looks up one kind's statuses in a translator's report for objects asked in the snapshot's order. When the report
/// is sorted the same way (the translator's are <see cref="Translation.Status.SortedStatusDictionary{T}"/>s, or
/// <see cref="SortedDictionary{TKey, TValue}"/>s by <see cref="ObjectRef.Comparer"/>), the two are walked side by side, one comparison per step instead of a tree
/// search per object (at 10,000 routes the searches were a third of a publish). Anything else, or an object asked
/// out of order, is looked up as before.
/// </summary>
internal sealed class ReportLookup<T>(IReadOnlyDictionary<ObjectRef, T> reports)
    where T : class
{
    private readonly IEnumerator<KeyValuePair<ObjectRef, T>>? _walk =
        reports is Translation.Status.SortedStatusDictionary<T> || (reports is SortedDictionary<ObjectRef, T> sorted && ReferenceEquals(sorted.Comparer, ObjectRef.Comparer))
            ? reports.GetEnumerator()
            : null;

    private bool _started;
    private bool _more;
    private ObjectRef? _lastAsked;

    public T? Find(ObjectRef key)
    {
        if (_walk is null || (_lastAsked is { } last && ObjectRef.Comparer.Compare(key, last) < 0))
        {
            return reports.GetValueOrDefault(key);
        }

        _lastAsked = key;
        if (!_started)
        {
            (_started, _more) = (true, _walk.MoveNext());
        }

        while (_more && ObjectRef.Comparer.Compare(_walk.Current.Key, key) < 0)
        {
            _more = _walk.MoveNext();
        }

        return _more && ObjectRef.Comparer.Compare(_walk.Current.Key, key) == 0 ? _walk.Current.Value : null;
    }
}
