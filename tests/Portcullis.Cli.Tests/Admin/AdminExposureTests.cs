namespace Portcullis.Cli.Tests.Admin;

using System.Net;
using Microsoft.AspNetCore.Http;
using Portcullis.Cli.Admin;
using Portcullis.Cli.Status;

/// <summary>
/// Kubernetes mode binds the admin port to 0.0.0.0 for the kubelet's probes; what a connection may read depends
/// on the local address it arrived on. The addresses below are only values on a request, no socket is opened.
/// </summary>
public sealed class AdminExposureTests
{
    private static readonly IPAddress PodAddress = IPAddress.Parse("10.244.1.7");

    private readonly StatusStore _store = new(new ManualTime(TestData.Created));

    public AdminExposureTests()
    {
        var gw = TestData.Gateway();
        _store.Publish(TestData.Snapshot(gw, TestData.Secret()), TestData.Report(gw, TestData.GatewayStatus()), [], []);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/livez")]
    [InlineData("/readyz")]
    public async Task ProbesOffLoopback_ProbeFromPodAddress_IsServed(string path)
    {
        Assert.Equal(200, await StatusOfAsync(path, PodAddress, AdminExposure.ProbesOffLoopback));
    }

    [Theory]
    [InlineData("/apis/gateway.networking.k8s.io/v1/gateways")]
    [InlineData("/api/v1/namespaces/default/secrets")]
    [InlineData("/diagnostics")]
    public async Task ProbesOffLoopback_ObjectsFromPodAddress_AreForbidden(string path)
    {
        Assert.Equal(403, await StatusOfAsync(path, PodAddress, AdminExposure.ProbesOffLoopback));
        Assert.Equal(403, await StatusOfAsync(path, PodAddress.MapToIPv6(), AdminExposure.ProbesOffLoopback));
    }

    [Fact]
    public async Task ProbesOffLoopback_ObjectsFromLoopback_AreServed()
    {
        Assert.Equal(200, await StatusOfAsync("/apis/gateway.networking.k8s.io/v1/gateways", IPAddress.Loopback, AdminExposure.ProbesOffLoopback));
        Assert.Equal(200, await StatusOfAsync("/apis/gateway.networking.k8s.io/v1/gateways", IPAddress.IPv6Loopback, AdminExposure.ProbesOffLoopback));
        Assert.Equal(200, await StatusOfAsync("/diagnostics", IPAddress.Parse("127.0.0.2"), AdminExposure.ProbesOffLoopback));
    }

    [Fact]
    public async Task Everything_ObjectsFromPodAddress_AreServed()
    {
        Assert.Equal(200, await StatusOfAsync("/apis/gateway.networking.k8s.io/v1/gateways", PodAddress, AdminExposure.Everything));
    }

    private async Task<int> StatusOfAsync(string path, IPAddress local, AdminExposure exposure)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        http.Request.Path = path;
        http.Connection.LocalIpAddress = local;
        http.Response.Body = new MemoryStream();
        await AdminServer.HandleAsync(http, _store, exposure);
        return http.Response.StatusCode;
    }
}
