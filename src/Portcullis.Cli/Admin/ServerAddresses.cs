namespace Portcullis.Cli.Admin;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

/// <summary>The addresses a started Kestrel server is bound to, in endpoint order (port 0 resolved).</summary>
internal static class ServerAddresses
{
    public static IReadOnlyList<Uri> Of(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var feature = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        return feature is null ? [] : feature.Addresses.Select(a => new Uri(a)).ToList();
    }
}
