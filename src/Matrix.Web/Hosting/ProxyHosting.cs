using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Matrix.Web.Hosting;

/// <summary>
/// Behind a reverse proxy (docker-compose's nginx): the client's address and scheme come from X-Forwarded-For and
/// X-Forwarded-Proto, believed only from the proxies named in <c>Matrix:Proxy:Networks</c> (CIDR, e.g.
/// "172.28.0.0/16") and <c>Matrix:Proxy:Addresses</c>; by default only from loopback. So the audit log records the
/// customer's or operator's address, cookies are Secure when the original request was HTTPS, and nobody else can
/// claim an address by sending the header.
/// </summary>
internal static class ProxyHosting
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var networks = configuration.GetSection("Matrix:Proxy:Networks").Get<string[]>() ?? [];
        var addresses = configuration.GetSection("Matrix:Proxy:Addresses").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = 1;
            foreach (var network in networks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            foreach (var address in addresses) o.KnownProxies.Add(IPAddress.Parse(address));
        });
        return services;
    }
}
