namespace Portcullis.Cli.Commands;

using System.CommandLine;

/// <summary>`portcullis translate`.</summary>
internal static class TranslateCommand
{
    public static Command Create()
    {
        var command = new Command("translate", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("portcullis translate: not implemented yet");
            return 2;
        });
        return command;
    }
}
