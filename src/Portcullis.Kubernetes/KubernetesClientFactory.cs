namespace Portcullis.Kubernetes;

using k8s;

/// <summary>Builds the API client the way kubectl finds its cluster.</summary>
public static class KubernetesClientFactory
{
    /// <summary>
    /// The given kubeconfig file; else the pod's service account when running in a cluster; else $KUBECONFIG or
    /// ~/.kube/config.
    /// </summary>
    public static IKubernetes Create(string? kubeconfigPath)
    {
        KubernetesClientConfiguration config;
        if (!string.IsNullOrEmpty(kubeconfigPath))
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            config = KubernetesClientConfiguration.InClusterConfig();
        }
        else
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile();
        }

        return new k8s.Kubernetes(config, new BufferedResponses());
    }
}
