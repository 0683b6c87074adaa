namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Cli.Manifests;
using Portcullis.Model.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

/// <summary>
/// `portcullis patch --local -f FILE --type json|merge -p PATCH`: kubectl's local patch, for machines without
/// kubectl. Prints the patched object as YAML; the file itself is not changed.
/// </summary>
internal static class PatchCommand
{
    public static Command Create()
    {
        var local = new Option<bool>("--local") { Description = "Patch the file only (the only mode in standalone; accepted for kubectl compatibility)." };
        var file = new Option<FileInfo>("--filename", "-f") { Description = "The manifest to patch (one object).", Required = true };
        var type = new Option<string>("--type") { Description = "json (RFC 6902) or merge (RFC 7386).", DefaultValueFactory = _ => "json" };
        type.AcceptOnlyFromAmong("json", "merge");
        var patch = new Option<string>("--patch", "-p") { Description = "The patch, as JSON or YAML.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "yaml (default) or json.", DefaultValueFactory = _ => "yaml" };
        output.AcceptOnlyFromAmong("yaml", "json");

        var command = new Command("patch", "Apply a JSON or merge patch to a manifest file and print the result, like `kubectl patch --local`.")
        {
            local, file, type, patch, output,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                var document = ReadSingle(File.ReadAllText(path.FullName));
                var patchNode = ReadSingle(parse.GetValue(patch)!);
                var result = parse.GetValue(type) == "merge"
                    ? JsonPatch.ApplyMergePatch(document, patchNode)
                    : JsonPatch.ApplyJsonPatch(document, patchNode as JsonArray ?? throw new PatchException("a JSON patch must be an array of operations"));
                Console.Out.Write(parse.GetValue(output) == "json" ? result!.ToJsonString(KubeJson.Output) + "\n" : Yaml.FromJson(result));
                return 0;
            }
            catch (Exception e) when (e is PatchException or YamlException or IOException or JsonException)
            {
                Console.Error.WriteLine($"error: {path}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static JsonNode ReadSingle(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count != 1)
        {
            throw new PatchException($"expected one document, found {stream.Documents.Count}");
        }

        return Yaml.ToJson(stream.Documents[0].RootNode) ?? throw new PatchException("the document is empty");
    }
}
