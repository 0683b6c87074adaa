namespace Portcullis.Cli.Commands;

using System.CommandLine;
using Portcullis.Cli.Hosting;
using Portcullis.Model.Manifests;
using Portcullis.Providers.File;
using Portcullis.Translation;

/// <summary>
/// `portcullis validate`: reads a directory as `run` would and reports every manifest error and every
/// object the translator would reject, without serving. Exit 1 when anything is wrong.
/// </summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = new Option<DirectoryInfo>("--config", "-c") { Description = "Directory of manifests.", Required = true };
        var command = new Command("validate", "Check a directory of manifests: schema, references and status, without serving.") { config };
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(config)!;
            if (!directory.Exists)
            {
                Console.Error.WriteLine($"error: --config {directory.FullName}: no such directory");
                return 1;
            }

            var update = ManifestDirectoryReader.ReadOnce(directory.FullName);
            var result = Translator.Translate(update.Snapshot, new TranslatorOptions());
            var failed = false;
            foreach (var d in update.Diagnostics)
            {
                Console.Out.WriteLine(d);
                failed |= d.Severity == DiagnosticSeverity.Error;
            }

            foreach (var problem in StatusProblems.From(result.Status))
            {
                Console.Out.WriteLine($"error: {problem}");
                failed = true;
            }

            var count = update.Snapshot.All.Count();
            Console.Out.WriteLine(failed ? $"{count} objects loaded; problems found" : $"{count} objects loaded; no problems found");
            return failed ? 1 : 0;
        });
        return command;
    }
}
