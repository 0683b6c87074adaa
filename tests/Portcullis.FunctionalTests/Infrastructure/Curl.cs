namespace Portcullis.FunctionalTests.Infrastructure;

using System.Globalization;

/// <summary>The workshop's curl commands, run for real.</summary>
internal static class Curl
{
    /// <summary>curl -v -HHost:HOST --resolve HOST:PORT:ADDRESS --cacert CA https://HOST:PORT/PATH, plus -w for the HTTP version.</summary>
    public static Task<ProcessResult> HttpsAsync(string host, string address, int port, string caCert, string path = "/get", params string[] extra) =>
        ProcessRunner.RunAsync("curl",
        [
            "-sS", "-v", $"-HHost:{host}", "--resolve", $"{host}:{port.ToString(CultureInfo.InvariantCulture)}:{address}", "--cacert", caCert,
            "-w", "\nhttp_version=%{http_version} status=%{http_code}\n", .. extra,
            $"https://{host}:{port.ToString(CultureInfo.InvariantCulture)}{path}",
        ], TimeSpan.FromSeconds(30));

    /// <summary>curl --verbose --header "Host: HOST" http://ADDRESS:PORT/PATH (step 6.1).</summary>
    public static Task<ProcessResult> HttpAsync(string host, string address, int port, string path = "/get") =>
        ProcessRunner.RunAsync("curl",
        [
            "-sS", "--verbose", "--header", $"Host: {host}",
            "-w", "\nhttp_version=%{http_version} status=%{http_code}\n",
            $"http://{address}:{port.ToString(CultureInfo.InvariantCulture)}{path}",
        ], TimeSpan.FromSeconds(30));

    /// <summary>The JSON body the echo backend answered (curl's -w line removed).</summary>
    public static System.Text.Json.Nodes.JsonNode Body(ProcessResult r)
    {
        var cut = r.StdOut.LastIndexOf("\nhttp_version=", StringComparison.Ordinal);
        return System.Text.Json.Nodes.JsonNode.Parse(cut >= 0 ? r.StdOut[..cut] : r.StdOut)!;
    }
}
