namespace Portcullis.Cli.Output;

using System.Net.Http;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Cli.Status;
using Portcullis.Model.Serialization;

/// <summary>`portcullis get`: reads the admin endpoint of a running `portcullis run` and prints like kubectl.</summary>
internal sealed class GetRunner(HttpClient http, TextWriter stdout, TextWriter stderr, TimeProvider time)
{
    public const string DefaultAdmin = "http://127.0.0.1:9901";
    public const string AdminEnvironmentVariable = "PORTCULLIS_ADMIN";

    /// <summary>kubectl's -o json indents by four spaces.</summary>
    private static readonly JsonSerializerOptions JsonOutput = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public async Task<int> RunAsync(GetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var resource = request.Resource;
        var name = request.Name;
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (name is not null)
            {
                return await FailAsync("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form").ConfigureAwait(false);
            }

            name = resource[(slash + 1)..];
            resource = resource[..slash];
        }

        var type = ResourceType.Find(resource);
        if (type is null)
        {
            return await FailAsync($"error: the server doesn't have a resource type \"{resource}\"").ConfigureAwait(false);
        }

        var output = request.Output ?? "";
        JsonPathTemplate? template = null;
        if (output.StartsWith("jsonpath=", StringComparison.Ordinal) || output.StartsWith("jsonpath:", StringComparison.Ordinal))
        {
            try
            {
                template = JsonPathTemplate.Parse(output["jsonpath=".Length..]);
            }
            catch (FormatException e)
            {
                return await FailAsync($"error: {e.Message}").ConfigureAwait(false);
            }
        }
        else if (output is not ("" or "wide" or "yaml" or "json" or "name"))
        {
            return await FailAsync($"error: unable to match a printer suitable for the output format \"{output}\", allowed formats are: json,jsonpath,name,wide,yaml").ConfigureAwait(false);
        }

        var ns = type.Namespaced ? (request.Namespace is { Length: > 0 } n ? n : "default") : null;
        var allNamespaces = request.AllNamespaces && type.Namespaced && name is null;
        var admin = NormalizeAdmin(request.Admin);
        var path = (type.Group.Length == 0 ? "/api/" : $"/apis/{type.Group}/") + type.Version
            + (ns is not null && !allNamespaces ? $"/namespaces/{Uri.EscapeDataString(ns)}" : "")
            + "/" + type.Plural
            + (name is null ? "" : "/" + Uri.EscapeDataString(name));

        JsonNode? body;
        int code;
        try
        {
            using var response = await http.GetAsync(new Uri(admin + path), cancellationToken).ConfigureAwait(false);
            code = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            body = TryParse(text);
            if (!response.IsSuccessStatusCode)
            {
                var reason = body?["reason"]?.GetValue<string>() ?? response.ReasonPhrase ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var message = body?["message"]?.GetValue<string>() ?? text.Trim();
                return await FailAsync($"Error from server ({reason}): {message}").ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(
                $"error: cannot reach the Portcullis admin endpoint at {admin}: {e.Message}\n" +
                $"Is `portcullis run` running? Its admin address can be set with --admin or {AdminEnvironmentVariable}.").ConfigureAwait(false);
        }

        if (body is not JsonObject obj)
        {
            return await FailAsync($"error: the admin endpoint at {admin} answered {path} with something that is not a JSON object").ConfigureAwait(false);
        }

        await PrintAsync(type, obj, name is null, allNamespaces, ns, output, template).ConfigureAwait(false);
        return 0;
    }

    private async Task PrintAsync(ResourceType type, JsonObject obj, bool isList, bool allNamespaces, string? ns, string output, JsonPathTemplate? template)
    {
        var items = isList
            ? (obj["items"] as JsonArray ?? []).OfType<JsonObject>().ToList()
            : [obj];
        if (template is not null)
        {
            await stdout.WriteAsync(template.Render(obj)).ConfigureAwait(false);
            return;
        }

        switch (output)
        {
            case "json":
                await stdout.WriteLineAsync(obj.ToJsonString(JsonOutput)).ConfigureAwait(false);
                return;
            case "yaml":
                await stdout.WriteAsync(Yaml.FromJson(obj)).ConfigureAwait(false);
                return;
            case "name":
                var prefix = type.Group.Length == 0 ? type.Singular : $"{type.Singular}.{type.Group}";
                foreach (var item in items)
                {
                    await stdout.WriteLineAsync($"{prefix}/{item["metadata"]?["name"]?.GetValue<string>()}").ConfigureAwait(false);
                }

                return;
        }

        if (items.Count == 0)
        {
            await stderr.WriteLineAsync(allNamespaces || ns is null ? "No resources found" : $"No resources found in {ns} namespace.").ConfigureAwait(false);
            return;
        }

        await stdout.WriteAsync(ResourceTable.Format(type, items, output == "wide", allNamespaces, time.GetUtcNow())).ConfigureAwait(false);
    }

    private async Task<int> FailAsync(string message)
    {
        await stderr.WriteLineAsync(message).ConfigureAwait(false);
        return 1;
    }

    private static string NormalizeAdmin(string admin)
    {
        var a = admin.Trim().TrimEnd('/');
        return a.Contains("://", StringComparison.Ordinal) ? a : "http://" + a;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
