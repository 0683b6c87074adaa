namespace Portcullis.FunctionalTests.Conformance;

using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Portcullis.Cli.Echo.Protos;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Upstream's BackendTLSPolicy tests (conformance/tests/backendtlspolicy*.go) and the Gateway backend client
/// certificate tests (gateway-tls-backend-client-certificate.go, gateway-invalid-tls-backend-configuration.go),
/// through the real process, against `portcullis echo` HTTPS backends (<see cref="BackendTlsSuite"/>). Where
/// upstream expects "an HTTP error" for a refused backend certificate, we expect exactly 502.
/// </summary>
[Collection("BackendTls")]
public sealed class BackendTLSPolicyTests(BackendTlsSuite suite)
{
    private const string Gw = "same-namespace";

    /// <summary>backendtlspolicy.go.</summary>
    [Fact]
    public async Task BackendTLSPolicy()
    {
        suite.Apply("backendtlspolicy.yaml");
        try
        {
            foreach (var policy in new[] { "normative-test", "host-mismatch", "cert-mismatch" })
            {
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "Accepted", "True", "Accepted");
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "ResolvedRefs", "True", "ResolvedRefs");
            }

            var (_, body) = await suite.EventuallyAsync(Gw, "abc.example.com", "/backendtlspolicy", (s, _) => s == HttpStatusCode.OK);
            Assert.Equal("abc.example.com", (string?)JsonNode.Parse(body)!["tls"]?["serverName"]);

            // Upstream sends Host abc.example.org, which no route of ours takes (404, a failure too); the route's own host shows the refusal.
            await suite.EventuallyAsync(Gw, "abc.example.com", "/backendtlspolicy-host-mismatch", (s, _) => s == HttpStatusCode.BadGateway);
            await suite.EventuallyAsync(Gw, "abc.example.com", "/backendtlspolicy-cert-mismatch", (s, _) => s == HttpStatusCode.BadGateway);
            Assert.Contains($"BackendTLSPolicy {BackendTlsSuite.Ns}/cert-mismatch) failed: certificate chain of CN=abc.example.com does not verify",
                suite.Process.Output, StringComparison.Ordinal);

            // Re-encrypt: HTTPS listener in front, TLS to the backend behind, SNI the policy's hostname.
            await suite.PolicyMustHaveConditionAsync("normative-test", "same-namespace-with-https-listener", "Accepted", "True", "Accepted");
            (_, body) = await suite.EventuallyAsync("same-namespace-with-https-listener", "https-listener.org", "/backendtlspolicy",
                (s, _) => s == HttpStatusCode.OK, https: true);
            Assert.Equal("abc.example.com", (string?)JsonNode.Parse(body)!["tls"]?["serverName"]);
        }
        finally
        {
            suite.Delete("backendtlspolicy.yaml");
        }
    }

    /// <summary>backendtlspolicy-conflict-resolution.go.</summary>
    [Fact]
    public async Task BackendTLSPolicyConflictResolution()
    {
        suite.Apply("backendtlspolicy-conflict-resolution.yaml");
        try
        {
            await suite.PolicyMustHaveConditionAsync("conflicted-without-section-name-1", Gw, "Accepted", "True", "Accepted");
            await suite.PolicyMustHaveConditionAsync("conflicted-without-section-name-2", Gw, "Accepted", "False", "Conflicted");
            await suite.PolicyMustHaveConditionAsync("conflicted-with-section-name-1", Gw, "Accepted", "True", "Accepted");
            await suite.PolicyMustHaveConditionAsync("conflicted-with-section-name-2", Gw, "Accepted", "False", "Conflicted");
            await suite.PolicyMustHaveConditionAsync("not-conflicted-with-section-name", Gw, "Accepted", "True", "Accepted");
            await suite.PolicyMustHaveConditionAsync("not-conflicted-without-section-name", Gw, "Accepted", "True", "Accepted");

            // The winners' hostnames reach the backend as SNI: other.example.com, except the Service-wide policy on port 8443.
            foreach (var (path, sni) in new[]
            {
                ("/backendtlspolicy-conflicted-without-section-name", "other.example.com"),
                ("/backendtlspolicy-conflicted-with-section-name", "other.example.com"),
                ("/backendtlspolicy-not-conflicted-with-section-name", "other.example.com"),
                ("/backendtlspolicy-not-conflicted-without-section-name", "abc.example.com"),
            })
            {
                var (_, body) = await suite.EventuallyAsync(Gw, "abc.example.com", path, (s, _) => s == HttpStatusCode.OK);
                Assert.Equal(sni, (string?)JsonNode.Parse(body)!["tls"]?["serverName"]);
            }
        }
        finally
        {
            suite.Delete("backendtlspolicy-conflict-resolution.yaml");
        }
    }

    /// <summary>backendtlspolicy-invalid-ca-certificate-ref.go.</summary>
    [Fact]
    public async Task BackendTLSPolicyInvalidCACertificateRef()
    {
        suite.Apply("backendtlspolicy-invalid-ca-certificate-ref.yaml");
        try
        {
            foreach (var policy in new[] { "nonexistent-ca-certificate-ref", "malformed-ca-certificate-ref" })
            {
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "Accepted", "False", "NoValidCACertificate");
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "ResolvedRefs", "False", "InvalidCACertificateRef");
                await suite.EventuallyAsync(Gw, "abc.example.com", "/backendtlspolicy-" + policy, (s, _) => (int)s is 500 or 502 or 503);
            }
        }
        finally
        {
            suite.Delete("backendtlspolicy-invalid-ca-certificate-ref.yaml");
        }
    }

    /// <summary>backendtlspolicy-invalid-kind.go.</summary>
    [Fact]
    public async Task BackendTLSPolicyInvalidKind()
    {
        suite.Apply("backendtlspolicy-invalid-kind.yaml");
        try
        {
            await suite.PolicyMustHaveConditionAsync("invalid-kind", Gw, "Accepted", "False", "NoValidCACertificate");
            await suite.PolicyMustHaveConditionAsync("invalid-kind", Gw, "ResolvedRefs", "False", "InvalidKind");
            await suite.EventuallyAsync(Gw, "abc.example.com", "/backendtlspolicy-invalid-kind", (s, _) => (int)s is 500 or 502 or 503);
        }
        finally
        {
            suite.Delete("backendtlspolicy-invalid-kind.yaml");
        }
    }

    /// <summary>backendtlspolicy-san.go.</summary>
    [Fact]
    public async Task BackendTLSPolicySANValidation()
    {
        suite.Apply("backendtlspolicy-san.yaml");
        try
        {
            foreach (var (policy, ok) in new[]
            {
                ("san-dns", true), ("san-dns-mismatch", false), ("san-uri", true), ("san-uri-mismatch", false),
                ("multiple-sans", true), ("multiple-mismatch-sans", false),
            })
            {
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "Accepted", "True", "Accepted");
                await suite.EventuallyAsync(Gw, "abc.example.com", "/backendtlspolicy-" + policy,
                    (s, _) => s == (ok ? HttpStatusCode.OK : HttpStatusCode.BadGateway));
            }
        }
        finally
        {
            suite.Delete("backendtlspolicy-san.yaml");
        }
    }

    /// <summary>
    /// backendtlspolicy-observed-generation-bump.go: upstream patches spec.validation.hostname; we rewrite the
    /// manifest file with the new hostname, which standalone mode counts as a new generation of the policy.
    /// </summary>
    [Fact]
    public async Task BackendTLSPolicyObservedGenerationBump()
    {
        const string file = "backendtlspolicy-observed-generation-bump.yaml";
        const string policy = "observed-generation-bump";
        suite.Apply(file);
        try
        {
            await suite.PolicyMustHaveConditionAsync(policy, Gw, "Accepted", "True", null);
            var original = await suite.PolicyMustHaveLatestConditionsAsync(policy);

            suite.Apply(file, ConformanceSuite.Testdata(file).Replace("hostname: \"abc.example.com\"", "hostname: \"foo.example.com\"", StringComparison.Ordinal));

            await GatewayProcess.EventuallyAsync(async () => StatusExpectations.Generation(await suite.GetAsync("backendtlspolicies", policy)) != StatusExpectations.Generation(original),
                "the change to the policy to be loaded");
            await suite.PolicyMustHaveConditionAsync(policy, Gw, "Accepted", "True", null);
            var updated = await suite.PolicyMustHaveLatestConditionsAsync(policy);
            Assert.NotEqual(StatusExpectations.Generation(original), StatusExpectations.Generation(updated));
            Assert.Equal("foo.example.com", (string?)updated["spec"]?["validation"]?["hostname"]);
        }
        finally
        {
            suite.Delete(file);
        }
    }

    /// <summary>
    /// backendtlspolicy-grpcroute.go: gRPC (h2c from the client) re-encrypted as h2 over TLS to a gRPC echo. Where
    /// upstream expects any failure for a refused backend certificate, we expect UNAVAILABLE, the gateway's answer
    /// to a backend it cannot reach.
    /// </summary>
    [Fact]
    public async Task BackendTLSPolicyGRPCRoute()
    {
        suite.Apply("backendtlspolicy-grpcroute.yaml");
        try
        {
            foreach (var policy in new[] { "grpc-normative-test", "grpc-host-mismatch", "grpc-cert-mismatch" })
            {
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "Accepted", "True", "Accepted");
                await suite.PolicyMustHaveConditionAsync(policy, Gw, "ResolvedRefs", "True", "ResolvedRefs");
            }

            var address = await suite.WaitAddressAsync(Gw);
            var echo = await GrpcEventuallyAsync(address, "abc.example.com", c => c.EchoAsync(new EchoRequest(), Deadline()).ResponseAsync, StatusCode.OK);
            Assert.Equal(BackendTlsSuite.Ns, echo!.Assertions.Context.Namespace);
            Assert.StartsWith("grpc-infra-backend-v1-", echo.Assertions.Context.Pod, StringComparison.Ordinal);

            await GrpcEventuallyAsync(address, "abc.example.com", c => c.EchoTwoAsync(new EchoRequest(), Deadline()).ResponseAsync, StatusCode.Unavailable);
            await GrpcEventuallyAsync(address, "cert-mismatch.example.com", c => c.EchoAsync(new EchoRequest(), Deadline()).ResponseAsync, StatusCode.Unavailable);
            Assert.Contains($"BackendTLSPolicy {BackendTlsSuite.Ns}/grpc-cert-mismatch) failed", suite.Process.Output, StringComparison.Ordinal);
        }
        finally
        {
            suite.Delete("backendtlspolicy-grpcroute.yaml");
        }
    }

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.AddSeconds(5));

    /// <summary>
    /// Calls through the Gateway's HTTP listener (h2c, the authority the given host) until the call ends with the
    /// status three times in a row (upstream's eventually-consistent response); returns the last answer, if any.
    /// </summary>
    private async Task<EchoResponse?> GrpcEventuallyAsync(string address, string authority, Func<GrpcEcho.GrpcEchoClient, Task<EchoResponse>> call, StatusCode expected)
    {
        using var channel = GrpcClients.Channel($"http://{authority}:{suite.HttpPort}", address);
        var client = new GrpcEcho.GrpcEchoClient(channel);
        var inARow = 0;
        EchoResponse? answer = null;
        var last = "";
        try
        {
            await GatewayProcess.EventuallyAsync(async () =>
            {
                StatusCode code;
                try
                {
                    answer = await call(client);
                    code = StatusCode.OK;
                }
                catch (RpcException e)
                {
                    (answer, code) = (null, e.StatusCode);
                    last = e.Status.ToString();
                }

                inARow = code == expected ? inARow + 1 : 0;
                return inARow >= 3;
            }, $"gRPC call for {authority} via {Gw} to end with {expected}", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last error: {last}", e);
        }

        return answer;
    }

    /// <summary>gateway-tls-backend-client-certificate.go: the backend asks for a client certificate and gets the Gateway's.</summary>
    [Fact]
    public async Task GatewayTLSBackendClientCertificate()
    {
        const string gateway = "gateway-tls-backend-client-certificate";
        suite.Apply("gateway-tls-backend-client-certificate.yaml");
        try
        {
            await suite.GatewayMustHaveConditionAsync(gateway, "ResolvedRefs", "True", "ResolvedRefs");
            await suite.PolicyMustHaveConditionAsync("gateway-tls-backend-client-certificate-test", gateway, "Accepted", "True", "Accepted");
            var (_, body) = await suite.EventuallyAsync(gateway, "abc.example.com", "/", (s, _) => s == HttpStatusCode.OK);
            var presented = (string?)JsonNode.Parse(body)!["tls"]?["peerCertificates"]?[0];
            Assert.Equal(suite.ClientCertificate.Trim(), presented?.Trim());

            // The same backend reached through a Gateway without spec.tls.backend refuses the handshake: 502, not a hang.
            await suite.EventuallyAsync(Gw, "abc.example.com", "/client-cert-required", (s, _) => s == HttpStatusCode.BadGateway);
        }
        finally
        {
            suite.Delete("gateway-tls-backend-client-certificate.yaml");
        }
    }

    /// <summary>gateway-invalid-tls-backend-configuration.go.</summary>
    [Fact]
    public async Task GatewayInvalidTLSBackendConfiguration()
    {
        suite.Apply("gateway-invalid-tls-backend-configuration.yaml");
        try
        {
            foreach (var (gateway, reason) in new[]
            {
                ("gateway-client-certificate-nonexistent-secret", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-unsupported-group", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-unsupported-kind", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-malformed-secret", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-missing-reference-grant", "RefNotPermitted"),
            })
            {
                await suite.GatewayMustHaveConditionAsync(gateway, "ResolvedRefs", "False", reason);
                await suite.GatewayMustHaveConditionAsync(gateway, "Accepted", "True", "Accepted");
            }
        }
        finally
        {
            suite.Delete("gateway-invalid-tls-backend-configuration.yaml");
        }
    }
}

[CollectionDefinition("BackendTls")]
public sealed class BackendTlsCollection : ICollectionFixture<BackendTlsSuite>;
