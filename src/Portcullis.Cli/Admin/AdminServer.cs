namespace Portcullis.Cli.Admin;

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portcullis.Cli.Status;

/// <summary>
/// The admin HTTP endpoint: health, readiness, diagnostics, and the objects with their status under
/// Kubernetes-shaped REST paths (read-only), which `portcullis get` reads. In Kubernetes mode only the probes are
/// served off loopback (<see cref="AdminExposure"/>).
/// </summary>
internal static class AdminServer
{
    /// <summary>Where `portcullis run` listens for admin requests unless told otherwise.</summary>
    public static readonly IPEndPoint DefaultEndpoint = new(IPAddress.Loopback, 9901);

    public static async Task<WebApplication> StartAsync(IPEndPoint endpoint, StatusStore store, CancellationToken ct, AdminExposure exposure = AdminExposure.Everything)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(store);
        var builder = SlimHost.CreateBuilder();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(endpoint, l => l.Protocols = HttpProtocols.Http1AndHttp2);
        });
        var app = builder.Build();
        app.Run(http => HandleAsync(http, store, exposure));
        await app.StartAsync(ct).ConfigureAwait(false);
        return app;
    }

    internal static Task HandleAsync(HttpContext http, StatusStore store, AdminExposure exposure = AdminExposure.Everything)
    {
        var request = http.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return WriteJsonAsync(http, 405, KubeApiJson.Failure("MethodNotAllowed", $"the server does not allow the method {request.Method}: the admin endpoint is read-only", 405));
        }

        var path = request.Path.Value ?? "/";
        switch (path)
        {
            case "/healthz" or "/livez":
                return WriteTextAsync(http, 200, "ok");
            case "/readyz":
                return store.Ready ? WriteTextAsync(http, 200, "ok") : WriteTextAsync(http, 503, "not ready: no configuration published yet");
        }

        if (!exposure.AllowsEverything(http.Connection.LocalIpAddress))
        {
            return WriteJsonAsync(http, 403, KubeApiJson.Failure("Forbidden",
                "only /healthz, /livez and /readyz are served off loopback; read the rest from inside the pod or through kubectl port-forward", 403));
        }

        if (path == "/diagnostics")
        {
            return WriteJsonAsync(http, 200, DiagnosticsJson(store));
        }

        var result = ResolveResource(path.Trim('/').Split('/'), store);
        return WriteJsonAsync(http, result.Code, result.Body);
    }

    private static (int Code, JsonNode Body) ResolveResource(string[] segments, StatusStore store)
    {
        // /api/v1/... (core group) or /apis/{group}/{version}/...
        string group;
        string version;
        int rest;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return NoSuchPath();
        }

        var tail = segments[rest..];
        string? ns = null;
        string plural;
        string? name;
        if (tail.Length >= 3 && tail[0] == "namespaces")
        {
            // /namespaces/{ns}/{plural}[/{name}]
            if (tail.Length > 4)
            {
                return NoSuchPath();
            }

            ns = tail[1];
            plural = tail[2];
            name = tail.Length == 4 ? tail[3] : null;
        }
        else if (tail.Length is 1 or 2)
        {
            plural = tail[0];
            name = tail.Length == 2 ? tail[1] : null;
        }
        else
        {
            return NoSuchPath();
        }

        var type = ResourceType.FromPath(group, version, plural);
        if (type is null || (ns is not null && !type.Namespaced) || (ns is null && name is not null && type.Namespaced))
        {
            return NoSuchPath();
        }

        if (name is null)
        {
            return (200, KubeApiJson.List(store.List(type.Plural, ns)));
        }

        var obj = store.Get(type.Plural, ns, name);
        return obj is null ? (404, KubeApiJson.NotFound(type, name)) : (200, obj);
    }

    private static (int, JsonNode) NoSuchPath() =>
        (404, KubeApiJson.Failure("NotFound", "the server could not find the requested resource", 404, new JsonObject()));

    private static JsonObject DiagnosticsJson(StatusStore store)
    {
        var items = new JsonArray();
        foreach (var d in store.Diagnostics)
        {
            items.Add(new JsonObject
            {
                ["severity"] = d.Severity.ToString(),
                ["source"] = d.Source,
                ["documentIndex"] = d.DocumentIndex,
                ["object"] = d.Object,
                ["fieldPath"] = d.FieldPath,
                ["message"] = d.Message,
                ["text"] = d.ToString(),
            });
        }

        return new JsonObject { ["revision"] = store.Revision, ["ready"] = store.Ready, ["diagnostics"] = items };
    }

    private static Task WriteTextAsync(HttpContext http, int code, string text)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text, http.RequestAborted);
    }

    private static Task WriteJsonAsync(HttpContext http, int code, JsonNode body)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(body.ToJsonString(KubeApiJson.Options) + "\n", http.RequestAborted);
    }
}
