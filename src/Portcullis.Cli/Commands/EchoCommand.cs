namespace Portcullis.Cli.Commands;

using System.CommandLine;

/// <summary>`portcullis echo`.</summary>
internal static class EchoCommand
{
    public static Command Create()
    {
        var command = new Command("echo", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("portcullis echo: not implemented yet");
            return 2;
        });
        return command;
    }
}
