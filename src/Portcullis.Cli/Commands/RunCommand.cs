namespace Portcullis.Cli.Commands;

using System.CommandLine;

/// <summary>`portcullis run`.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var command = new Command("run", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("portcullis run: not implemented yet");
            return 2;
        });
        return command;
    }
}
