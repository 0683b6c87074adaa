namespace Portcullis.Kubernetes.Tests.Support;

using System.Runtime.CompilerServices;

/// <summary>
/// KubernetesClient reads non-watch response bodies with synchronous JSON deserialization (a blocked thread per
/// request), and the test API server runs in the same process. On a 2-core machine the pool starts with 2
/// threads, so a few concurrent requests starve the server that would answer them; more threads up front avoid it.
/// </summary>
internal static class ThreadPoolWarmup
{
    [ModuleInitializer]
    internal static void Initialize()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(io, 64));
    }
}
