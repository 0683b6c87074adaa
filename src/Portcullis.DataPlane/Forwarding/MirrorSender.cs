namespace Portcullis.DataPlane.Forwarding;

using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Portcullis.DataPlane.Routing;
using Portcullis.Ir;

/// <summary>
/// RequestMirror: sends a copy of the request to each sampled mirror backend (one endpoint of it) and
/// ignores the answer. The client's request never waits on a mirror: copies are sent in the background.
/// </summary>
/// <remarks>
/// Limits: a body is mirrored only when the request declares a Content-Length of at most
/// <see cref="MaxMirroredBody"/> bytes (it is buffered once and replayed to the backend); larger or
/// chunked bodies are mirrored as headers only. A mirror exchange is abandoned after 30 seconds.
/// </remarks>
/// <param name="invokerFor">The connection pool for a mirror backend (its TLS one under a BackendTLSPolicy).</param>
internal sealed class MirrorSender(Func<CompiledBackend, HttpMessageInvoker> invokerFor)
{
    public const int MaxMirroredBody = 64 * 1024;

    private static readonly HashSet<string> NotCopied = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade",
        "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Content-Length",
    };

    /// <summary>Samples the rule's and the picked backend's mirrors and sends a copy to each one chosen.</summary>
    public async ValueTask MirrorAsync(HttpContext context, CompiledAction action, CompiledBackend picked)
    {
        if (action.Mirrors.Length == 0 && picked.Mirrors.Length == 0)
        {
            return;
        }

        List<(CompiledBackend Backend, HeaderModifier[] Edits)>? targets = null;
        foreach (var mirror in action.Mirrors)
        {
            if (mirror.Backend.HasEndpoints && mirror.ShouldMirror())
            {
                (targets ??= []).Add((mirror.Backend, action.RequestEdits));
            }
        }

        foreach (var mirror in picked.Mirrors)
        {
            if (mirror.Backend.HasEndpoints && mirror.ShouldMirror())
            {
                (targets ??= []).Add((mirror.Backend, picked.RequestEdits));
            }
        }

        if (targets is null)
        {
            return;
        }

        var body = await BufferBodyAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
        foreach (var (target, edits) in targets)
        {
            var message = Build(context.Request, target, edits, body);
            _ = SendAsync(message, invokerFor(target));
        }
    }

    private static async Task SendAsync(HttpRequestMessage message, HttpMessageInvoker invoker)
    {
        using var owned = message;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            // Read the headers only and drop the response: a mirror's answer is ignored.
            using var response = await invoker.SendAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static async ValueTask<byte[]?> BufferBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is not (> 0 and <= MaxMirroredBody))
        {
            return null;
        }

        // Buffer once; the forward to the real backend then reads the same bytes from the start.
        request.EnableBuffering();
        var buffer = new byte[(int)request.ContentLength.Value];
        await request.Body.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
        request.Body.Position = 0;
        return buffer;
    }

    private static HttpRequestMessage Build(HttpRequest request, CompiledBackend target, HeaderModifier[] edits, byte[]? body)
    {
        var uri = new Uri(target.NextDestination() + request.PathBase + request.Path + request.QueryString);
        var message = new HttpRequestMessage(new HttpMethod(request.Method), uri)
        {
            Version = target.IsH2c ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = target.IsH2c ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (NotCopied.Contains(name) || name.StartsWith(':'))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        message.Headers.Host = request.Host.Value;
        foreach (var edit in edits)
        {
            HeaderEdits.Apply(edit, message);
        }

        return message;
    }
}
