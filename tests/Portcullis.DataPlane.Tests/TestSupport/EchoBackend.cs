namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portcullis.Ir;

/// <summary>A tiny backend answering every request with what it received, as JSON.</summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoBackend(string name, WebApplication app, int port, Channel<Echo> received)
    {
        Received = received;
        Name = name;
        _app = app;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Every request received, in arrival order (mirror tests wait on it).</summary>
    public Channel<Echo> Received { get; }

    public static async Task<EchoBackend> StartAsync(string name, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var port = FreePort.Find();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = protocols));
        var app = builder.Build();
        var received = Channel.CreateUnbounded<Echo>();
        app.Run(async context =>
        {
            if (context.Request.Query.TryGetValue("delayMs", out var delay))
            {
                await Task.Delay(int.Parse(delay.ToString(), System.Globalization.CultureInfo.InvariantCulture));
            }

            var echo = new Echo(
                name,
                context.Request.Method,
                context.Request.Path.Value ?? "/",
                context.Request.Host.Value ?? string.Empty,
                context.Request.Protocol,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase));
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            echo = echo with { Body = body };
            received.Writer.TryWrite(echo);

            // Like the conformance echo server: "X-Echo-Set-Header: name:value" becomes a response header.
            foreach (var set in context.Request.Headers["X-Echo-Set-Header"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var colon = set.IndexOf(':', StringComparison.Ordinal);
                context.Response.Headers.Append(set[..colon].Trim(), set[(colon + 1)..].Trim());
            }

            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, echo);
        });
        await app.StartAsync();
        return new EchoBackend(name, app, port, received);
    }

    public WeightedBackend Backend(int weight = 1, BackendProtocol protocol = BackendProtocol.Http1) =>
        new(Name, weight, protocol, new[] { new Ir.Endpoint("127.0.0.1", Port) });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record Echo(string Backend, string Method, string Path, string Host, string Protocol, Dictionary<string, string> Headers)
{
    public string? Body { get; init; }

    // JSON round-trips the dictionary without its comparer, so look names up case-insensitively here.
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
