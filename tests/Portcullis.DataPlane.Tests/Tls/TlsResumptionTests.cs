namespace Portcullis.DataPlane.Tests.Tls;

using System.Security.Authentication;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// TLS session resumption (TLS 1.3 tickets, TLS 1.2 session ids and tickets): a returning client skips the signature
/// and the certificate, but only into the certificate it was issued for, and never past a client-certificate check.
/// SslStream keeps one OpenSSL context per server certificate, and a session resumes only in the context (ticket keys,
/// session cache) that made it; listeners that validate client certificates get a fresh context with resumption off.
/// </summary>
public sealed class TlsResumptionTests : IDisposable
{
    private const string Ok = "HTTP/1.1 200";

    private readonly ClientAuthority _clients = new("resumption client CA");

    public void Dispose() => _clients.Dispose();

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Handshake_SecondConnectionToTheSameHost_ResumesTheSession(SslProtocols protocol)
    {
        var host = $"same-{protocol}.resume.test".ToLowerInvariant();
        await using var env = await StartAsync(Listener(TestCertificates.CommonNameOnly("default/same", host)));
        await using var hold = await ResumptionProbe.HoldContextsAsync(env.Port, "hold." + host, protocol);

        var first = await ResumptionProbe.GetAsync(env.Port, host, protocol);
        var second = await ResumptionProbe.GetAsync(env.Port, host, protocol);

        Assert.False(first.Resumed);
        Assert.True(second.Resumed);
        Assert.Equal((host, Ok), (second.CommonName, second.Status));
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Handshake_AfterCertificateRotation_ServesTheNewCertificateInAFullHandshake_ThenResumesIt(SslProtocols protocol)
    {
        var host = $"rotate-{protocol}.resume.test".ToLowerInvariant();
        await using var env = await StartAsync(Listener(TestCertificates.WithSans("default/rotate", "before", host)));
        await using var holdBefore = await ResumptionProbe.HoldContextsAsync(env.Port, "hold." + host, protocol);
        await ResumptionProbe.GetAsync(env.Port, host, protocol);
        Assert.True((await ResumptionProbe.GetAsync(env.Port, host, protocol)).Resumed);

        // Same Secret, new content: the client still holds a session of the old certificate.
        await env.ApplyAsync(Listener(TestCertificates.WithSans("default/rotate", "after", host)));
        await using var holdAfter = await ResumptionProbe.HoldContextsAsync(env.Port, "hold-after." + host, protocol);
        var rotated = await ResumptionProbe.GetAsync(env.Port, host, protocol);
        var again = await ResumptionProbe.GetAsync(env.Port, host, protocol);

        Assert.Equal(("after", false, Ok), (rotated.CommonName, rotated.Resumed, rotated.Status));
        Assert.Equal(("after", true), (again.CommonName, again.Resumed));
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Handshake_HostMovedToAnotherCertificate_SessionOfTheFirstIsNotResumed(SslProtocols protocol)
    {
        // Two certificates on one listener; the host's session was made with the first, then the SNI selects the second.
        var host = $"moved-{protocol}.resume.test".ToLowerInvariant();
        var first = TestCertificates.WithSans("default/first", "first", host);
        var second = TestCertificates.WithSans("default/second", "second", $"other.{host}");
        await using var env = await StartAsync(Listener(first, second));
        await ResumptionProbe.GetAsync(env.Port, host, protocol);

        await env.ApplyAsync(Listener(TestCertificates.WithSans("default/first", "first", $"other.{host}"), TestCertificates.WithSans("default/second", "second", host)));
        var moved = await ResumptionProbe.GetAsync(env.Port, host, protocol);

        Assert.Equal(("second", false), (moved.CommonName, moved.Resumed));
    }

    [Fact]
    public async Task Handshake_AfterHandshakesWithManyOtherCertificates_StillResumes()
    {
        // .NET drops idle OpenSSL contexts each time 32 new ones were cached; the pinned context of the first host must
        // survive the contexts of 40 others, made and left idle (a connection each, then closed).
        var hosts = Enumerable.Range(0, 41).Select(i => $"many-{i}.resume.test").ToArray();
        var certificates = hosts.Select(h => TestCertificates.CommonNameOnly($"default/{h}", h)).ToArray();
        await using var env = await StartAsync(Listener(certificates));
        await ResumptionProbe.GetAsync(env.Port, hosts[0], SslProtocols.Tls13);
        await WaitUntilPinnedAsync(env, hosts[0]);

        foreach (var other in hosts.Skip(1))
        {
            await ResumptionProbe.GetAsync(env.Port, other, SslProtocols.Tls13);
        }

        var again = await ResumptionProbe.GetAsync(env.Port, hosts[0], SslProtocols.Tls13);

        Assert.Equal((hosts[0], true, Ok), (again.CommonName, again.Resumed, again.Status));
    }

    [Fact]
    public async Task ReleasePin_CertificateRotatedOut_LetsItsContextGo()
    {
        var host = "unpin.resume.test";
        await using var env = await StartAsync(Listener(TestCertificates.WithSans("default/unpin", "before", host)));
        await ResumptionProbe.GetAsync(env.Port, host, SslProtocols.Tls13);
        var before = await WaitUntilPinnedAsync(env, host);

        await env.ApplyAsync(Listener(TestCertificates.WithSans("default/unpin", "after", host)));

        Assert.False(before.IsPinned);
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Handshake_ListenerValidatingClientCertificates_NeverResumes(SslProtocols protocol)
    {
        var host = $"mtls-{protocol}.resume.test".ToLowerInvariant();
        await using var env = await StartAsync(Listener(TestCertificates.CommonNameOnly("default/mtls", host)) with { ClientValidation = Validation() });

        var first = await ResumptionProbe.GetAsync(env.Port, host, protocol, _clients.Client);
        var second = await ResumptionProbe.GetAsync(env.Port, host, protocol, _clients.Client);

        Assert.Equal((false, Ok), (first.Resumed, first.Status));
        Assert.Equal((false, Ok), (second.Resumed, second.Status));
    }

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task Handshake_SessionFromBeforeClientValidationWasRequired_DoesNotSkipTheCheck(SslProtocols protocol)
    {
        // The same server certificate before and after: only the client-certificate requirement changes.
        var host = $"tighten-{protocol}.resume.test".ToLowerInvariant();
        var certificate = TestCertificates.CommonNameOnly("default/tighten", host);
        await using var env = await StartAsync(Listener(certificate));
        await using (await ResumptionProbe.HoldContextsAsync(env.Port, "hold." + host, protocol))
        {
            await ResumptionProbe.GetAsync(env.Port, host, protocol);
            Assert.True((await ResumptionProbe.GetAsync(env.Port, host, protocol)).Resumed);
        }

        await env.ApplyAsync(Listener(certificate) with { ClientValidation = Validation() });
        ResumptionProbe.Outcome? outcome = null;
        var failure = await Record.ExceptionAsync(async () => outcome = await ResumptionProbe.GetAsync(env.Port, host, protocol));

        // The server validates the (missing) certificate once OpenSSL finishes the handshake and closes the connection
        // unanswered; depending on timing the client sees that as a failed handshake, a failed read or an empty response.
        Assert.True(
            failure is AuthenticationException or IOException || outcome is { Resumed: false, Status: "" },
            $"Expected an unanswered full handshake, got {failure?.GetType().Name ?? outcome?.ToString()}.");
    }

    /// <summary>The pin is made off the handshake's thread: wait for it (bounded), then return the certificate.</summary>
    private static async Task<ServerCertificate> WaitUntilPinnedAsync(Env env, string host)
    {
        var (_, certificate) = TlsHandshakeSelector.Select(env.Proxy.Server.Tables, new PortKey(System.Net.IPAddress.Loopback, env.Port), host);
        Assert.NotNull(certificate);
        for (var i = 0; i < 200 && !certificate.IsPinned; i++)
        {
            await Task.Delay(25);
        }

        Assert.True(certificate.IsPinned);
        return certificate;
    }

    private static ListenerConfig Listener(params TlsCertificate[] certificates) =>
        Https("default/gw/https", 0, null, certificates);

    private ClientCertificateValidation Validation() =>
        new(ClientCertificateMode.AllowValidOnly, null, new[] { new TrustedCa("default/client-ca", _clients.Certificate.Subject, "", _clients.Certificate.ExportCertificatePem()) });

    private static async Task<Env> StartAsync(ListenerConfig listener)
    {
        var backend = await EchoBackend.StartAsync("v1");
        var proxy = await ProxyFixture.StartAsync();
        var env = new Env(backend, proxy, FreePort.Find());
        await env.ApplyAsync(listener);
        return env;
    }

    private sealed record Env(EchoBackend Backend, ProxyFixture Proxy, int Port) : IAsyncDisposable
    {
        /// <summary>The listener on this port, routing every host to the backend.</summary>
        public Task ApplyAsync(ListenerConfig listener) =>
            Proxy.Server.ApplyAsync(Of(listener with { Port = Port, Routes = new[] { Route("*", "/", To(Backend.Backend())) } }), CancellationToken.None);

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }
}
