namespace Portcullis.Cli.Commands;

using System.CommandLine;

/// <summary>`portcullis get`.</summary>
internal static class GetCommand
{
    public static Command Create()
    {
        var command = new Command("get", "not implemented yet");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("portcullis get: not implemented yet");
            return 2;
        });
        return command;
    }
}
