using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Referral.Api.GraphQL;

/// <summary>
/// The GraphiQL IDE at <c>/graphiql/</c>: our own page (wwwroot/graphiql) plus the GraphiQL build that MSBuild copies from
/// npm into wwwroot/lib/graphiql (git-ignored). Served by these endpoints rather than app-wide static files, so the IDE
/// stays one self-contained feature; only local files, no CDN.
/// </summary>
internal static class GraphiQLEndpoints
{
    public const string Route = "/graphiql";
    public const string LibraryRoute = "/lib/graphiql";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void MapGraphiQL(this IEndpointRouteBuilder app)
    {
        var files = app.ServiceProvider.GetRequiredService<IWebHostEnvironment>().WebRootFileProvider;
        // /graphiql redirects to /graphiql/ so that the page's relative URLs resolve (routing treats both paths alike).
        app.MapGet(Route + "/{**path}", (HttpRequest request, string? path) =>
            string.IsNullOrEmpty(path) && request.Path.Value?.EndsWith('/') != true
                ? TypedResults.Redirect(request.PathBase + Route + "/")
                : Serve(files, "graphiql", path)).ExcludeFromDescription();
        app.MapGet(LibraryRoute + "/{**path}", (string? path) => Serve(files, "lib/graphiql", path)).ExcludeFromDescription();
    }

    private static IResult Serve(IFileProvider files, string folder, string? path)
    {
        // The provider refuses paths that leave the web root ("..").
        var file = files.GetFileInfo($"{folder}/{(string.IsNullOrEmpty(path) ? "index.html" : path)}");
        if (!file.Exists || file.IsDirectory || file.PhysicalPath is null)
        {
            return TypedResults.NotFound();
        }
        if (!ContentTypes.TryGetContentType(file.Name, out var contentType))
        {
            contentType = "application/octet-stream";
        }
        return TypedResults.PhysicalFile(file.PhysicalPath, contentType, lastModified: file.LastModified);
    }
}
