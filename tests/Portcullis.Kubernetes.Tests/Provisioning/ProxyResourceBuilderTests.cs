namespace Portcullis.Kubernetes.Tests.Provisioning;

using Portcullis.Kubernetes.Provisioning;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;

public class ProxyResourceBuilderTests
{
    private const string Image = "example.test/portcullis:1";

    internal static Gateway Gateway(string yamlListeners, string? infrastructure = null)
    {
        var text = $"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: sni-gateway
              namespace: team
              uid: 0a1b2c3d-0000-0000-0000-000000000001
            spec:
              gatewayClassName: portcullis
            {infrastructure ?? ""}
              listeners:
            {yamlListeners}
            """;
        return Assert.IsType<Gateway>(Assert.Single(ManifestReader.Read("test", text).Objects));
    }

    private const string WorkshopListeners = """
            - name: http
              protocol: HTTP
              port: 80
            - name: https
              protocol: HTTPS
              port: 443
              tls:
                certificateRefs:
                - name: example-cert
            - name: https-other
              protocol: HTTPS
              port: 443
              hostname: www.sample.com
              tls:
                certificateRefs:
                - name: sample-cert
            - name: dns
              protocol: UDP
              port: 53
        """;

    [Fact]
    public void Build_Gateway_NamesAllThreeObjectsPortcullisNameInItsNamespaceOwnedByTheGateway()
    {
        var r = ProxyResourceBuilder.Build(Gateway(WorkshopListeners), new GatewayParametersSpec(), Image);

        foreach (var meta in new[] { r.ServiceAccount.Metadata, r.Service.Metadata, r.Deployment.Metadata })
        {
            Assert.Equal(("portcullis-sni-gateway", "team"), (meta.Name, meta.NamespaceProperty));
            var owner = Assert.Single(meta.OwnerReferences);
            Assert.Equal(("gateway.networking.k8s.io/v1", "Gateway", "sni-gateway", "0a1b2c3d-0000-0000-0000-000000000001", true, true),
                (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
            Assert.Equal("portcullis-proxy", meta.Labels["app.kubernetes.io/name"]);
            Assert.Equal("portcullis", meta.Labels["app.kubernetes.io/managed-by"]);
            Assert.Equal("sni-gateway", meta.Labels["gateway.networking.k8s.io/gateway-name"]);
        }
    }

    [Fact]
    public void Build_ListenersSharingAPort_GetOneServicePortEachWithTheSameTargetPortAndUdpForUdp()
    {
        var r = ProxyResourceBuilder.Build(Gateway(WorkshopListeners), new GatewayParametersSpec(), Image);

        Assert.Equal(["udp-53/UDP/53/53", "tcp-80/TCP/80/80", "tcp-443/TCP/443/443"],
            r.Service.Spec.Ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}/{p.TargetPort.Value}"));
        Assert.Equal("LoadBalancer", r.Service.Spec.Type);
        Assert.Equal(r.Deployment.Spec.Selector.MatchLabels, r.Service.Spec.Selector);
    }

    [Fact]
    public void Build_ListenerSetListeners_TheirPortsJoinTheServiceAndThePodOnce()
    {
        Listener[] fromSets = [new() { Name = "shop", Protocol = "HTTPS", Port = 8443 }, new() { Name = "blog", Protocol = "HTTPS", Port = 443 }];

        var r = ProxyResourceBuilder.Build(Gateway(WorkshopListeners), new GatewayParametersSpec(), Image, fromSets);

        Assert.Equal(["udp-53/UDP/53/53", "tcp-80/TCP/80/80", "tcp-443/TCP/443/443", "tcp-8443/TCP/8443/8443"],
            r.Service.Spec.Ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}/{p.TargetPort.Value}"));
        Assert.Contains(r.Deployment.Spec.Template.Spec.Containers[0].Ports, p => p.ContainerPort == 8443);
    }

    [Fact]
    public void Build_ProxyContainer_RunsProxyForItsGatewayNonRootOnAReadOnlyFilesystem()
    {
        var r = ProxyResourceBuilder.Build(Gateway(WorkshopListeners), new GatewayParametersSpec(), Image);
        var pod = r.Deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.Equal(["proxy", "--gateway", "team/sni-gateway", "--admin", "0.0.0.0:19901"], container.Args);
        Assert.Equal(Image, container.Image);
        Assert.Equal("portcullis-sni-gateway", pod.ServiceAccountName);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal("/readyz", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(1, r.Deployment.Spec.Replicas);
    }

    [Fact]
    public void Build_Parameters_SetReplicasImageServiceTypeAnnotationsClassAndResources()
    {
        var parameters = new GatewayParametersSpec
        {
            Replicas = 3,
            Image = "other/image:2",
            Service = new ServiceParameters
            {
                Type = "LoadBalancer",
                LoadBalancerClass = "example.com/lb",
                Annotations = new Dictionary<string, string> { ["lb.example.com/internal"] = "true" },
            },
            Deployment = new DeploymentParameters
            {
                Resources = new k8s.Models.V1ResourceRequirements { Limits = new Dictionary<string, k8s.Models.ResourceQuantity> { ["memory"] = new("256Mi") } },
            },
        };

        var r = ProxyResourceBuilder.Build(Gateway(WorkshopListeners), parameters, Image);

        Assert.Equal(3, r.Deployment.Spec.Replicas);
        Assert.Equal("other/image:2", r.Deployment.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("example.com/lb", r.Service.Spec.LoadBalancerClass);
        Assert.Equal("true", r.Service.Metadata.Annotations["lb.example.com/internal"]);
        Assert.Equal([OwnedMetadata.Annotation], r.Deployment.Metadata.Annotations.Keys);
        Assert.Equal("256Mi", r.Deployment.Spec.Template.Spec.Containers[0].Resources.Limits["memory"].ToString());
    }

    [Fact]
    public void Build_InfrastructureLabelsAndAnnotations_GoOnEveryObjectAndThePodTemplate()
    {
        var infrastructure = """
              infrastructure:
                labels:
                  team: payments
                annotations:
                  owner: alice
            """;
        var r = ProxyResourceBuilder.Build(Gateway(WorkshopListeners, infrastructure), new GatewayParametersSpec(), Image);

        foreach (var meta in new[] { r.ServiceAccount.Metadata, r.Service.Metadata, r.Deployment.Metadata, r.Deployment.Spec.Template.Metadata })
        {
            Assert.Equal("payments", meta.Labels["team"]);
            Assert.Equal("alice", meta.Annotations["owner"]);
        }

        // The selector stays ours alone, so adding a label never orphans running pods.
        Assert.False(r.Deployment.Spec.Selector.MatchLabels.ContainsKey("team"));
    }

    [Fact]
    public void Overlay_GatewayParameters_OverrideTheClassFieldByField()
    {
        var classParams = new GatewayParametersSpec
        {
            Replicas = 2,
            Image = "class/image",
            Service = new ServiceParameters { Type = "NodePort", Annotations = new Dictionary<string, string> { ["a"] = "class", ["b"] = "class" } },
        };
        var gatewayParams = new GatewayParametersSpec
        {
            Replicas = 5,
            Service = new ServiceParameters { Annotations = new Dictionary<string, string> { ["b"] = "gateway" } },
        };

        var merged = classParams.Overlay(gatewayParams);

        Assert.Equal((5, "class/image", "NodePort"), (merged.Replicas, merged.Image, merged.Service?.Type));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "class", ["b"] = "gateway" }, merged.Service?.Annotations);
    }

    [Fact]
    public void LabelValue_LongGatewayName_FitsInALabelAndStaysDistinct()
    {
        var a = ProxyResourceBuilder.LabelValue(new string('g', 100) + "1");
        var b = ProxyResourceBuilder.LabelValue(new string('g', 100) + "2");

        Assert.True(a.Length <= 63);
        Assert.NotEqual(a, b);
    }
}
