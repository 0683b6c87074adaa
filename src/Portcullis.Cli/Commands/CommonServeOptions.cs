namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;

/// <summary>The options every long-running verb (`run`, `proxy`, `controller`) takes, defined once.</summary>
internal static class CommonServeOptions
{
    public static Option<string> Admin(string description) => new("--admin")
    {
        Description = description,
        DefaultValueFactory = _ => "127.0.0.1:9901",
    };

    public static Option<LogLevel> LogLevel() => new("--log-level")
    {
        Description = "Trace, Debug, Information, Warning or Error.",
        DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Information,
    };

    public static bool TryParseAdmin(string admin, out IPEndPoint endpoint, out string error)
    {
        error = "";
        if (IPEndPoint.TryParse(admin, out var parsed) && parsed.Port != 0)
        {
            endpoint = parsed;
            return true;
        }

        endpoint = new IPEndPoint(IPAddress.Loopback, 9901);
        error = $"--admin {admin}: expected ADDRESS:PORT, e.g. 127.0.0.1:9901";
        return false;
    }
}
