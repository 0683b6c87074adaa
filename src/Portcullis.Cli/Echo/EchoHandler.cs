namespace Portcullis.Cli.Echo;

using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

/// <summary>
/// Answers every request like the Gateway API conformance echo server (echo-basic): 200 with a JSON
/// description of the request, plus its test hooks (/status/NNN, ?delay=, X-Echo-Set-Header) and a WebSocket echo for upgrade requests.
/// </summary>
internal sealed class EchoHandler(EchoContext context, TextWriter? requestLog)
{
    /// <summary>A longer ?delay= would only tie up a connection; conformance tests use a few seconds at most.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private static readonly System.Text.RegularExpressions.Regex StatusPath = new("^/status/([0-9]{3})$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        if (requestLog is not null)
        {
            await requestLog.WriteLineAsync($"Echoing back request made to {rawTarget} to client ({http.Connection.RemoteIpAddress}:{http.Connection.RemotePort})").ConfigureAwait(false);
        }

        if (http.WebSockets.IsWebSocketRequest)
        {
            await EchoWebSocket.RunAsync(http).ConfigureAwait(false);
            return;
        }

        if (request.Path.Equals("/health", StringComparison.Ordinal))
        {
            await http.Response.WriteAsync("OK", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (request.Path.StartsWithSegments("/status", StringComparison.Ordinal))
        {
            // echo-basic matches the whole request URI, so /status/503?x=1 is a bad request there too.
            var match = StatusPath.Match(rawTarget);
            var code = match.Success ? int.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : 400;
            http.Response.StatusCode = code is >= 200 and <= 999 ? code : StatusCodes.Status400BadRequest;
            return;
        }

        if (request.Query.TryGetValue("delay", out var delayValues) && delayValues.Count > 0 && !string.IsNullOrEmpty(delayValues[0]))
        {
            if (!GoDuration.TryParse(delayValues[0]!, out var delay, out var error))
            {
                await WriteErrorAsync(http, error).ConfigureAwait(false);
                return;
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay < MaxDelay ? delay : MaxDelay, http.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        var body = Describe(http, rawTarget, context).ToJson();
        SetEchoedResponseHeaders(http);
        http.Response.Headers.ContentType = "application/json";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        var bytes = Encoding.UTF8.GetBytes(body);
        http.Response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(request.Method))
        {
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
        }
    }

    public static EchoResponse Describe(HttpContext http, string rawTarget, EchoContext context)
    {
        var request = http.Request;
        var headers = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, values) in request.Headers)
        {
            // Go moves Host out of the header map into Request.Host and drops Transfer-Encoding once it has decoded it.
            if (name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase)
                || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase)
                || name.StartsWith(':'))
            {
                continue;
            }

            var canonical = EchoResponse.CanonicalHeaderName(name);
            if (!headers.TryGetValue(canonical, out var list))
            {
                headers[canonical] = list = [];
            }

            foreach (var v in values)
            {
                list.Add(v ?? "");
            }
        }

        var proto = request.Protocol switch
        {
            "HTTP/2" => "HTTP/2.0",
            "HTTP/3" => "HTTP/3.0",
            var p => p,
        };
        return new EchoResponse(
            rawTarget,
            request.Host.Value ?? "",
            request.Method,
            proto,
            headers.Select(kv => new KeyValuePair<string, IReadOnlyList<string>>(kv.Key, kv.Value)).ToList(),
            context)
        {
            Tls = EchoTls.From(http),
        };
    }

    /// <summary>X-Echo-Set-Header: "Name: value, Other: value" sets those response headers (repeats join with commas).</summary>
    private static void SetEchoedResponseHeaders(HttpContext http)
    {
        var set = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var list in http.Request.Headers["X-Echo-Set-Header"])
        {
            if (list is null)
            {
                continue;
            }

            foreach (var item in list.Split(','))
            {
                var kv = item.Trim();
                var colon = kv.IndexOf(':', StringComparison.Ordinal);
                var name = colon < 0 ? kv : kv[..colon];
                var value = colon < 0 ? "" : kv[(colon + 1)..].Trim();
                if (name.Length == 0)
                {
                    continue;
                }

                set[name] = set.TryGetValue(name, out var existing) ? existing + "," + value : value;
            }
        }

        foreach (var (name, value) in set)
        {
            try
            {
                http.Response.Headers[name] = value;
            }
            catch (InvalidOperationException)
            {
                // Kestrel refuses names or values with characters HTTP does not allow; Go would send them anyway.
            }
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, string message)
    {
        var sb = new StringBuilder("{\"message\":");
        GoJson.WriteString(sb, message);
        sb.Append('}');
        http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        http.Response.Headers.ContentType = "application/json";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        await http.Response.WriteAsync(sb.ToString(), http.RequestAborted).ConfigureAwait(false);
    }
}
