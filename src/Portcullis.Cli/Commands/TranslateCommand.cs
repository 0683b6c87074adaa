namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Net;
using Portcullis.Providers.File;
using Portcullis.Translation;
using Portcullis.Translation.Output;

/// <summary>
/// `portcullis translate`: runs the translator offline on a directory and prints status and the data-plane
/// config in the same form as the translator's golden files (key material redacted).
/// </summary>
internal static class TranslateCommand
{
    public static Command Create()
    {
        var config = new Option<DirectoryInfo>("--config", "-c") { Description = "Directory of manifests.", Required = true };
        var pool = new Option<string?>("--address-pool") { Description = "As for `run`." };
        var output = new Option<string>("--output", "-o") { Description = "yaml or json.", DefaultValueFactory = _ => "yaml" };
        output.AcceptOnlyFromAmong("yaml", "json");
        var command = new Command("translate", "Print the status and data-plane config a directory of manifests translates to.") { config, pool, output };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(config)!;
            if (!directory.Exists)
            {
                Console.Error.WriteLine($"error: --config {directory.FullName}: no such directory");
                return 1;
            }

            var options = new TranslatorOptions();
            if (parse.GetValue(pool) is { } cidr)
            {
                if (!IPNetwork.TryParse(cidr, out var network))
                {
                    Console.Error.WriteLine($"error: --address-pool {cidr}: not a CIDR");
                    return 1;
                }

                options = options with { AddressPool = network };
            }

            var update = ManifestDirectoryReader.ReadOnce(directory.FullName);
            foreach (var d in update.Diagnostics)
            {
                Console.Error.WriteLine(d);
            }

            var result = Translator.Translate(update.Snapshot, options);
            Console.Out.Write(parse.GetValue(output) == "json" ? TranslationDump.ToJson(result) : TranslationDump.ToYaml(result));
            return 0;
        });
        return command;
    }
}
