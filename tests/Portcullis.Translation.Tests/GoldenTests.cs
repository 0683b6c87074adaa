namespace Portcullis.Translation.Tests;

using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.Manifests;
using Portcullis.Model.Serialization;
using Portcullis.Translation.Output;

/// <summary>
/// Golden cases: every testdata/NAME.in.yaml is translated and compared with NAME.out.yaml
/// (status and IR together). Set UPDATE_GOLDEN=1 to rewrite the expected files, then review the diff.
/// Documents the manifest reader rejects (as the API server would) are left out, as they are in a real
/// run, and its findings lead the expected file as `diagnostics:` (present only when there are any),
/// so a fixture that stops being valid input shows up in the diff instead of passing silently.
/// A fixture's leading comments carry its options:
///   # options: addressPool=127.10.10.0/26 defaultBindAddress=0.0.0.0 controllerName=x addressSource=ProvisionedService
///   # include: secrets/example-cert.yaml secrets/sample-cert.yaml
/// </summary>
public class GoldenTests
{
    private static readonly string TestData = Path.Combine(SourceDirectory(), "testdata");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(TestData, "*.in.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file)[..^".in.yaml".Length]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translate_GoldenCase_MatchesExpectedStatusAndConfig(string name)
    {
        var input = File.ReadAllText(Path.Combine(TestData, name + ".in.yaml"));
        var (options, includes) = ParseHeader(input);
        var objects = new List<KubernetesObject>();
        var diagnostics = new List<ManifestDiagnostic>();
        foreach (var (source, text) in includes.Select(i => (i, File.ReadAllText(Path.Combine(TestData, i)))).Append((name, input)))
        {
            var read = ManifestReader.Read(source, text);
            diagnostics.AddRange(read.Diagnostics);
            objects.AddRange(read.Objects.Select(AsStoredByApiServer));
        }

        var actual = Dump(diagnostics, Translator.Translate(ResourceSnapshot.Create(objects), options));

        var expectedPath = Path.Combine(TestData, name + ".out.yaml");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, actual);
        }

        Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing; run with UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(expectedPath), actual);
    }

    [Fact]
    public void Translate_SameInputTwice_GivesEqualResults()
    {
        var input = File.ReadAllText(Path.Combine(TestData, "path-precedence.in.yaml"));
        var snapshot = ResourceSnapshot.Create(ManifestReader.Read("x", input).Objects);
        var a = Translator.Translate(snapshot, new TranslatorOptions());
        var b = Translator.Translate(snapshot, new TranslatorOptions());
        Assert.Equal(a.Config, b.Config);
        Assert.Equal(TranslationDump.ToYaml(a), TranslationDump.ToYaml(b));
    }

    /// <summary>The reader's findings (one ToString() line each), then the translator's dump.</summary>
    private static string Dump(List<ManifestDiagnostic> diagnostics, TranslationResult result)
    {
        var dump = TranslationDump.ToJson(result);
        if (diagnostics.Count == 0)
        {
            return Yaml.FromJson(dump);
        }

        var json = new JsonObject { ["diagnostics"] = new JsonArray([.. diagnostics.Select(d => JsonValue.Create(d.ToString()))]) };
        foreach (var key in dump.Select(p => p.Key).ToList())
        {
            var value = dump[key];
            dump.Remove(key);
            json[key] = value;
        }

        return Yaml.FromJson(json);
    }

    /// <summary>The API server sets generation 1 on create; fixtures that leave it out get that.</summary>
    private static KubernetesObject AsStoredByApiServer(KubernetesObject o) =>
        o.Metadata.Generation == 0 ? o with { Metadata = o.Metadata with { Generation = 1 } } : o;

    private static (TranslatorOptions Options, List<string> Includes) ParseHeader(string input)
    {
        var options = new TranslatorOptions();
        var includes = new List<string>();
        foreach (var line in input.Split('\n').TakeWhile(l => l.StartsWith('#')))
        {
            var text = line.TrimStart('#').Trim();
            if (text.StartsWith("include:", StringComparison.Ordinal))
            {
                includes.AddRange(text["include:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (text.StartsWith("options:", StringComparison.Ordinal))
            {
                foreach (var pair in text["options:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    var (key, value) = (pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                    options = key switch
                    {
                        "addressPool" => options with { AddressPool = IPNetwork.Parse(value) },
                        "defaultBindAddress" => options with { DefaultBindAddress = IPAddress.Parse(value) },
                        "controllerName" => options with { ControllerName = value },
                        "addressSource" => options with { AddressSource = Enum.Parse<AddressSource>(value) },
                        _ => throw new InvalidOperationException($"unknown fixture option {key}"),
                    };
                }
            }
        }

        return (options, includes);
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
