namespace Portcullis.Kubernetes;

/// <summary>
/// Reads every response body except a watch stream into memory asynchronously before KubernetesClient sees it.
/// KubernetesClient deserializes non-watch bodies with a synchronous read of the network stream, which holds a
/// thread-pool thread for as long as the API server takes to send a list: a dozen informers listing at start-up
/// (or relisting a large cluster) would block a dozen threads that the proxy's data plane and admin endpoint need.
/// Buffered, that synchronous read is a copy from memory.
/// </summary>
internal sealed class BufferedResponses : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsWatch(request.RequestUri))
        {
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        return response;
    }

    internal static bool IsWatch(Uri? uri) =>
        uri?.Query.TrimStart('?').Split('&').Any(p => p is "watch=true" or "watch=1") == true;
}
