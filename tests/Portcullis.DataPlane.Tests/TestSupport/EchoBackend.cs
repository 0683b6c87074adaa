namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portcullis.Ir;

/// <summary>A tiny backend answering every request with what it received, as JSON.</summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EchoBackend(string name, WebApplication app, int port)
    {
        Name = name;
        _app = app;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public static async Task<EchoBackend> StartAsync(string name, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var port = FreePort.Find();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = protocols));
        var app = builder.Build();
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
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, echo);
        });
        await app.StartAsync();
        return new EchoBackend(name, app, port);
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
    // JSON round-trips the dictionary without its comparer, so look names up case-insensitively here.
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
