namespace Portcullis.Providers.Tests.File;

using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Providers.File;

public class SnapshotEditTests
{
    private static Service Service(string name, int port = 80, string ns = "default") => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new ServiceSpec { Ports = [new ServicePort { Port = port }] },
    };

    private static Secret Secret(string name) => new() { ApiVersion = "v1", Kind = "Secret", Metadata = new ObjectMeta { Name = name, Namespace = "default" } };

    private static Namespace Ns(string name) => new() { ApiVersion = "v1", Kind = "Namespace", Metadata = new ObjectMeta { Name = name } };

    [Fact]
    public void Apply_ReplacedAndAddedObjects_GivesTheSnapshotCreateGives()
    {
        // Names whose order differs from the order they were made in (r10 before r2), in two namespaces.
        var services = Enumerable.Range(0, 30).Select(i => Service($"r{i}", ns: i % 2 == 0 ? "a" : "b")).ToList();
        var secrets = Enumerable.Range(0, 5).Select(i => Secret($"s{i}")).ToList();
        var namespaces = new[] { Ns("a"), Ns("b") };
        var previous = ResourceSnapshot.Create([.. services, .. secrets, .. namespaces]);
        KubernetesObject[] replaced = [Service("r7", 81, "b"), Service("r12", 82, "a"), Secret("s3")];
        KubernetesObject[] added = [Service("r100", ns: "a"), Service("q", ns: "b"), Secret("s10"), Ns("c")];
        var all = services.Cast<KubernetesObject>().Concat(secrets).Concat(namespaces)
            .Select(o => replaced.FirstOrDefault(r => r.Ref == o.Ref) ?? o).Concat(added).ToList();

        var edited = SnapshotEdit.Apply(previous, replaced, added);

        Assert.NotNull(edited);
        Assert.Equal(ResourceSnapshot.Create(all).All, edited.All); // same instances, same order
    }

    [Fact]
    public void Apply_KindWithoutChanges_KeepsItsList()
    {
        var previous = ResourceSnapshot.Create([Service("a"), Secret("s")]);

        var edited = SnapshotEdit.Apply(previous, [Secret("s")], []);

        Assert.Same(previous.Services, edited!.Services);
        Assert.NotSame(previous.Secrets, edited.Secrets);
    }

    [Fact]
    public void Apply_ReplacedObjectNotInTheSnapshot_IsNull()
    {
        var previous = ResourceSnapshot.Create([Service("a")]);

        Assert.Null(SnapshotEdit.Apply(previous, [Service("b")], []));
    }

    [Fact]
    public void Apply_AddedObjectAlreadyInTheSnapshot_IsNull()
    {
        var previous = ResourceSnapshot.Create([Service("a")]);

        Assert.Null(SnapshotEdit.Apply(previous, [], [Service("a", 81)]));
    }
}
