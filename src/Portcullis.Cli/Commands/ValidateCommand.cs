namespace Portcullis.Cli.Commands;

using System.CommandLine;

/// <summary>`portcullis validate`.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var command = new Command("validate", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("portcullis validate: not implemented yet");
            return 2;
        });
        return command;
    }
}
