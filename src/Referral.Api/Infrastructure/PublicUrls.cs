using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Referral.Api.Infrastructure;

/// <summary>Where the API is reached from outside, for the absolute links it writes (<c>PublicUrl</c> setting).</summary>
internal sealed class PublicUrlOptions
{
    /// <summary>
    /// The public base URL, e.g. <c>https://referral.example.org</c> (with a path prefix if the API is served under one).
    /// Empty: links use the request's own host only when it can be trusted (see <see cref="PublicUrls"/>).
    /// </summary>
    public string? BaseUrl { get; set; }
}

/// <summary>The <c>ForwardedHeaders</c> setting: honour X-Forwarded-For/-Proto/-Host from these proxies only.</summary>
internal sealed class ForwardedHeadersSettings
{
    /// <summary>Off by default: without a reverse proxy the headers are whatever the client wrote.</summary>
    public bool Enabled { get; set; }

    /// <summary>IP addresses of the reverse proxies whose headers are believed (loopback when empty).</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. 10.0.0.0/8) of the proxies whose headers are believed.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies may stand in front (the entries of X-Forwarded-For read from the right).</summary>
    public int ForwardLimit { get; set; } = 1;
}

/// <summary>
/// Absolute links (the HSDS root's <c>openapi_url</c>, OGC API links, TileJSON tile URLs) never reflect a Host header a
/// client made up (issue 11 item 12): they start with <c>PublicUrl:BaseUrl</c> when it is set; otherwise with the request's
/// scheme and host only when that host was vetted — by ASP.NET Core's host filtering (<c>AllowedHosts</c> set to the real
/// names instead of <c>*</c>), or because it is a loopback name (a developer's machine, the tests); otherwise the links
/// are relative to this server (<c>/swagger/v1/swagger.json</c>). X-Forwarded-Host/-Proto are read only when
/// <c>ForwardedHeaders:Enabled</c> is true, and only from the configured proxies.
/// </summary>
internal static class PublicUrls
{
    public static IServiceCollection AddReferralPublicUrls(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublicUrlOptions>().BindConfiguration("PublicUrl")
            .Validate(o => string.IsNullOrEmpty(o.BaseUrl) || Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https",
                "PublicUrl:BaseUrl must be an absolute http(s) URL.")
            .ValidateOnStart();
        var forwarded = configuration.GetSection("ForwardedHeaders").Get<ForwardedHeadersSettings>() ?? new ForwardedHeadersSettings();
        if (forwarded.Enabled)
        {
            services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
                o.ForwardLimit = forwarded.ForwardLimit;
                // The hosts a proxy may forward are the same as those the app answers for.
                var allowed = configuration["AllowedHosts"];
                o.AllowedHosts = string.IsNullOrEmpty(allowed) || allowed == "*" ? [] : [.. allowed.Split(';', StringSplitOptions.RemoveEmptyEntries)];
                if (forwarded.KnownProxies.Length > 0 || forwarded.KnownNetworks.Length > 0)
                {
                    o.KnownProxies.Clear();
                    o.KnownIPNetworks.Clear();
                }
                foreach (var proxy in forwarded.KnownProxies)
                {
                    o.KnownProxies.Add(IPAddress.Parse(proxy));
                }
                foreach (var network in forwarded.KnownNetworks)
                {
                    o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
                }
            });
        }
        return services;
    }

    /// <summary>Reads X-Forwarded-* when <c>ForwardedHeaders:Enabled</c>; before anything that looks at the client.</summary>
    public static WebApplication UseReferralForwardedHeaders(this WebApplication app)
    {
        if (app.Configuration.GetValue("ForwardedHeaders:Enabled", false))
        {
            app.UseForwardedHeaders();
        }
        return app;
    }

    /// <summary>The origin (scheme, host, path base) absolute links start with; empty for links relative to this server.</summary>
    public static string Origin(HttpRequest request)
    {
        var services = request.HttpContext.RequestServices;
        if (services.GetService<IOptions<PublicUrlOptions>>()?.Value.BaseUrl is { Length: > 0 } baseUrl)
        {
            return baseUrl.TrimEnd('/');
        }
        var allowedHosts = services.GetService<IConfiguration>()?["AllowedHosts"];
        var hostsFiltered = !string.IsNullOrEmpty(allowedHosts) && allowedHosts != "*";
        return hostsFiltered || IsLoopback(request.Host.Host)
            ? $"{request.Scheme}://{request.Host}{request.PathBase}"
            : request.PathBase.ToString();
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
}
