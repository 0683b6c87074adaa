namespace Portcullis.Cli.Tests.Status;

using Portcullis.Cli.Status;
using Portcullis.Model.Core;

public class ReportLookupTests
{
    private static ObjectRef Key(string name) => new("HTTPRoute", "default", name);

    private static SortedDictionary<ObjectRef, string> Sorted(params string[] names)
    {
        var reports = new SortedDictionary<ObjectRef, string>(ObjectRef.Comparer);
        foreach (var name in names)
        {
            reports[Key(name)] = "status of " + name;
        }

        return reports;
    }

    [Fact]
    public void Find_SortedReportAskedInOrder_FindsEachReportedKeyAndNoOther()
    {
        var lookup = new ReportLookup<string>(Sorted("b", "d", "f"));

        var found = new[] { "a", "b", "c", "d", "f", "g" }.Select(n => lookup.Find(Key(n))).ToArray();

        Assert.Equal(new string?[] { null, "status of b", null, "status of d", "status of f", null }, found.AsEnumerable());
    }

    [Fact]
    public void Find_AskedOutOfOrder_StillFindsEveryStatus()
    {
        var lookup = new ReportLookup<string>(Sorted("a", "b", "c"));

        var found = new[] { "c", "a", "b", "a" }.Select(n => lookup.Find(Key(n))).ToArray();

        Assert.Equal(new string?[] { "status of c", "status of a", "status of b", "status of a" }, found.AsEnumerable());
    }

    [Fact]
    public void Find_UnsortedDictionary_FindsByKey()
    {
        var lookup = new ReportLookup<string>(new Dictionary<ObjectRef, string> { [Key("b")] = "status of b", [Key("a")] = "status of a" });

        Assert.Equal("status of b", lookup.Find(Key("b")));
        Assert.Equal("status of a", lookup.Find(Key("a")));
        Assert.Null(lookup.Find(Key("c")));
    }
}
