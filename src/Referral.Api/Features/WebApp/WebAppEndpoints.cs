using System.Reflection;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.WebApp;

/// <summary>
/// The web app for caseworkers and planners (sources in web/ at the repository root): its page at <c>/</c> and at the deep
/// links <c>/find</c>, <c>/gaps</c> and <c>/gaps/{id}</c>, and its bundle at <c>/lib/app/</c>, which MSBuild builds from npm into
/// wwwroot/lib/app (git-ignored). Only these routes fall back to the page: any other unknown path stays a ProblemDetails 404.
/// </summary>
internal static class WebAppEndpoints
{
    public const string LibraryRoute = "/lib/app";
    public const string BundlePath = "lib/app/app.js";

    private static readonly string[] PageRoutes = ["/", "/find", "/gaps", "/gaps/{id:guid}"];
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IEndpointRouteBuilder MapWebApp(this IEndpointRouteBuilder app)
    {
        var files = app.ServiceProvider.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider;
        var basemap = app.ServiceProvider.GetRequiredService<IConfiguration>()["WebApp:BasemapUrl"];
        var page = new PageSource(basemap);
        foreach (var route in PageRoutes)
        {
            app.MapGet(route, (HttpContext context) => Page(context, files, page)).ExcludeFromDescription();
        }
        app.MapGet(LibraryRoute + "/{**path}", (HttpContext context, string? path) => Asset(context, files, path)).ExcludeFromDescription();
        return app;
    }

    private static ContentHttpResult Page(HttpContext context, IFileProvider files, PageSource page)
    {
        Secure(context.Response, page.ContentSecurityPolicy);
        context.Response.Headers.CacheControl = "no-cache";
        // Without the bundle (a build without Node.js) the page says what to install instead of showing nothing.
        var html = files.GetFileInfo(BundlePath).Exists ? page.Index : page.Missing;
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Asset(HttpContext context, IFileProvider files, string? path)
    {
        // The provider refuses paths that leave the web root ("..").
        var file = string.IsNullOrEmpty(path) ? null : files.GetFileInfo($"lib/app/{path}");
        if (file is null || !file.Exists || file.IsDirectory || file.PhysicalPath is null || path!.EndsWith(".br", StringComparison.Ordinal)
            || path.EndsWith(".gz", StringComparison.Ordinal))
        {
            return Problems.Of(404, ErrorCodes.NotFound, "Not found", "No such file in the web app.");
        }
        if (!ContentTypes.TryGetContentType(file.Name, out var contentType))
        {
            contentType = "application/octet-stream";
        }
        var response = context.Response;
        Secure(response, null);
        response.Headers.CacheControl = "no-cache";
        response.Headers.Vary = "Accept-Encoding";
        // The build writes Brotli and gzip copies beside the bundle (web/build.mjs): send the smallest the browser accepts.
        var accept = context.Request.Headers.AcceptEncoding.ToString();
        foreach (var (encoding, suffix) in new[] { ("br", ".br"), ("gzip", ".gz") })
        {
            var compressed = files.GetFileInfo($"lib/app/{path}{suffix}");
            if (accept.Contains(encoding, StringComparison.OrdinalIgnoreCase) && compressed.Exists && compressed.PhysicalPath is not null)
            {
                response.Headers.ContentEncoding = encoding;
                return TypedResults.PhysicalFile(compressed.PhysicalPath, contentType, lastModified: file.LastModified);
            }
        }
        return TypedResults.PhysicalFile(file.PhysicalPath, contentType, lastModified: file.LastModified);
    }

    private static void Secure(HttpResponse response, string? csp)
    {
        if (csp is not null)
        {
            response.Headers.ContentSecurityPolicy = csp;
        }
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>The page's HTML (from web/, embedded at build time) and its Content-Security-Policy.</summary>
    private sealed class PageSource
    {
        public PageSource(string? basemapUrl)
        {
            var basemap = Uri.TryCreate(basemapUrl, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? basemapUrl : null;
            Index = Read("index.html").Replace(
                "<meta name=\"referral-basemap\" content=\"\">",
                $"<meta name=\"referral-basemap\" content=\"{HtmlEncoder.Default.Encode(basemap ?? "")}\">", StringComparison.Ordinal);
            Missing = Read("missing.html");
            // Our own origin only; an online basemap, when configured, may add its tile images.
            var images = basemap is null ? "'self' data:" : $"'self' data: {uri!.GetLeftPart(UriPartial.Authority)}";
            ContentSecurityPolicy = new StringValues(
                $"default-src 'self'; script-src 'self'; style-src 'self'; img-src {images}; connect-src 'self'; font-src 'self'; " +
                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'").ToString();
        }

        public string Index { get; }
        public string Missing { get; }
        public string ContentSecurityPolicy { get; }

        private static string Read(string name)
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Referral.WebApp.{name}")
                ?? throw new InvalidOperationException($"The web app's {name} is not embedded (Referral.Api.csproj, web/).");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }
}
