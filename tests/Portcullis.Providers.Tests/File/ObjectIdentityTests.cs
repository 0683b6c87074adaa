namespace Portcullis.Providers.Tests.File;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Providers.File;

public class ObjectIdentityTests
{
    private static readonly DateTimeOffset T0 = new(2025, 8, 4, 14, 0, 0, TimeSpan.Zero);

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = T0;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static Service Service(string name, int port = 80, string? team = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = "default",
            Labels = team is null ? null : new Dictionary<string, string> { ["team"] = team },
        },
        Spec = new ServiceSpec { Ports = [new ServicePort { Port = port }] },
    };

    private static Namespace Ns(string name) => new() { ApiVersion = "v1", Kind = "Namespace", Metadata = new ObjectMeta { Name = name } };

    private static (long Generation, string? ResourceVersion) Versions(KubernetesObject obj) => (obj.Metadata.Generation, obj.Metadata.ResourceVersion);

    [Fact]
    public void Apply_NewObject_GetsStableUidFirstSeenTimeAndGenerationOne()
    {
        var identity = new ObjectIdentity(new ManualTime());

        var web = identity.Apply([Service("web")]).Single();

        Assert.Equal(ObjectIdentity.StableUid(web.Ref), web.Metadata.Uid);
        Assert.Equal(T0, web.Metadata.CreationTimestamp);
        Assert.Equal((1L, "1"), Versions(web));
    }

    [Fact]
    public void Apply_SameInstanceAgain_ReturnsTheSameOutput()
    {
        var identity = new ObjectIdentity(new ManualTime());
        var input = Service("web");
        var first = identity.Apply([input]).Single();

        Assert.Same(first, identity.Apply([input]).Single());
    }

    [Fact]
    public void Apply_EqualNewInstance_KeepsVersionsAndCreationTime()
    {
        var time = new ManualTime();
        var identity = new ObjectIdentity(time);
        identity.Apply([Service("web")]);
        time.Now = T0.AddHours(1);

        var again = identity.Apply([Service("web")]).Single();

        Assert.Equal((1L, "1"), Versions(again));
        Assert.Equal(T0, again.Metadata.CreationTimestamp);
    }

    [Fact]
    public void Apply_LabelThenSpecChanged_ResourceVersionMovesEachTimeGenerationOnlyForTheSpec()
    {
        var identity = new ObjectIdentity(new ManualTime());
        identity.Apply([Service("web"), Service("api")]);

        var labelled = identity.Apply([Service("web", team: "a"), Service("api")])[0];
        var labelledAgain = identity.Apply([Service("web", team: "a"), Service("api")])[0];
        var ported = identity.Apply([Service("web", port: 81, team: "a"), Service("api")])[0];

        Assert.Equal((1L, "3"), Versions(labelled));
        Assert.Equal((1L, "3"), Versions(labelledAgain));
        Assert.Equal((2L, "4"), Versions(ported));
        Assert.Equal(ObjectIdentity.StableUid(ported.Ref), ported.Metadata.Uid);
    }

    [Fact]
    public void Apply_NamespaceReadAgain_IsUnchangedWithItsSynthesizedNameLabel()
    {
        // The name label is added to what the namespace is compared as, the first version included.
        var identity = new ObjectIdentity(new ManualTime());
        identity.Apply([Ns("team-a")]);

        var again = identity.Apply([Ns("team-a")]).Single();

        Assert.Equal((1L, "1"), Versions(again));
        Assert.Equal("team-a", again.Metadata.Labels![Namespace.NameLabel]);
    }

    [Fact]
    public void Apply_ObjectGoneAndBack_IsSeenAsNew()
    {
        var time = new ManualTime();
        var identity = new ObjectIdentity(time);
        identity.Apply([Service("web"), Service("api")]);
        identity.Apply([Service("api")]);
        time.Now = T0.AddHours(1);

        var back = identity.Apply([Service("web"), Service("api")])[0];

        Assert.Equal(T0.AddHours(1), back.Metadata.CreationTimestamp);
        Assert.Equal((1L, "3"), Versions(back));
    }
}
