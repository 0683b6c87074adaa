namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Portcullis.Ir;

/// <summary>
/// An HTTP/1.1 backend that accepts WebSocket upgrades and echoes each message back prefixed with
/// the Host it saw, so a test can tell the message crossed the proxy to this backend.
/// </summary>
internal sealed class WebSocketEchoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketEchoBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<WebSocketEchoBackend> StartAsync()
    {
        var port = FreePort.Find();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var prefix = $"{context.Request.Host.Host}: ";
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                    return;
                }

                var text = prefix + System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count);
                await socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
            }
        });
        await app.StartAsync();
        return new WebSocketEchoBackend(app, port);
    }

    public WeightedBackend Backend() =>
        new("default/ws:80", 1, BackendProtocol.Http1, new[] { new Ir.Endpoint("127.0.0.1", Port) });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
