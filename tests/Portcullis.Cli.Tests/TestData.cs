namespace Portcullis.Cli.Tests;

using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>The workshop's objects, as a provider would hand them over, plus status as the translator would report it.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset Created = new(2025, 8, 4, 14, 0, 0, TimeSpan.Zero);

    public static Gateway Gateway(string name = "sni-gateway") => new()
    {
        ApiVersion = GatewayApiGroup.V1,
        Kind = "Gateway",
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Uid = "uid-" + name, Generation = 1, CreationTimestamp = Created },
        Spec = new GatewaySpec
        {
            GatewayClassName = "tigera-gateway-class",
            Listeners = [new Listener { Name = "http", Port = 80, Protocol = "HTTP" }, new Listener { Name = "https", Port = 443, Protocol = "HTTPS" }],
        },
    };

    public static Secret Secret() => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = Portcullis.Model.Core.Secret.TlsType,
        Metadata = new ObjectMeta { Name = "example-cert", Namespace = "default", CreationTimestamp = Created },
        Data = new Dictionary<string, byte[]> { ["tls.crt"] = new byte[1234], ["tls.key"] = new byte[56] },
        StringData = new Dictionary<string, string> { ["note"] = "secret!" },
    };

    public static GatewayStatus GatewayStatus(string programmed = "True") => new()
    {
        Addresses = [new GatewayStatusAddress { Value = "127.0.0.10" }],
        Conditions =
        [
            new Condition { Type = "Accepted", Status = "True", Reason = "Accepted", ObservedGeneration = 1 },
            new Condition { Type = "Programmed", Status = programmed, Reason = programmed == "True" ? "Programmed" : "Invalid", ObservedGeneration = 1 },
        ],
        Listeners =
        [
            new ListenerStatus { Name = "http", Conditions = [new Condition { Type = "Programmed", Status = "True", Reason = "Programmed" }] },
            new ListenerStatus { Name = "https", Conditions = [new Condition { Type = "Programmed", Status = "True", Reason = "Programmed" }] },
        ],
    };

    public static ResourceSnapshot Snapshot(params KubernetesObject[] objects) => ResourceSnapshot.Create(objects);

    public static StatusReport Report(Gateway gateway, GatewayStatus status) => new()
    {
        Gateways = new Dictionary<ObjectRef, GatewayStatus> { [gateway.Ref] = status },
    };
}
