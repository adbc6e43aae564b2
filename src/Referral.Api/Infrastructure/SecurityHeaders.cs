namespace Referral.Api.Infrastructure;

/// <summary>
/// Headers every response carries, errors included (security review, issue 11 item 12): no MIME sniffing of JSON or CSV
/// into HTML, no referrer (a URL holds a child's coordinates), no framing by other sites (clickjacking of the write
/// pages), and a Content-Security-Policy. The web app's page sets its own, stricter policy (WebAppEndpoints); Swagger UI
/// and GraphiQL get theirs here; every other answer (JSON, CSV, errors) gets <c>default-src 'none'</c>, so a response
/// opened as a document can run nothing. Bundles under <c>/lib/</c> get none: a web worker (GraphiQL's editor) takes
/// the policy of its own script's response.
/// </summary>
internal static class SecurityHeaders
{
    private const string Common = "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Swagger UI (/swagger): its own scripts only. Styles may be inline: the UI (React) sets style attributes, and
    /// a style cannot run code. Images: its icons are data: URLs.
    /// </summary>
    public const string SwaggerPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " + Common;

    /// <summary>
    /// GraphiQL (/graphiql/): its own scripts only; its editor (Monaco) injects style elements and runs web workers from
    /// the bundle's folder; its icon font may be inlined.
    /// </summary>
    public const string GraphiQLPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; worker-src 'self'; " + Common;

    /// <summary>Every other answer: nothing may load or run if it is opened as a document.</summary>
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static IApplicationBuilder UseReferralSecurityHeaders(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            if (!headers.ContainsKey("Referrer-Policy"))
            {
                headers["Referrer-Policy"] = "no-referrer";
            }
            if (!headers.ContainsKey("Content-Security-Policy") && PolicyFor(http.Request.Path) is { } policy)
            {
                headers.ContentSecurityPolicy = policy;
            }
            return Task.CompletedTask;
        });
        return next(http);
    });

    internal static string? PolicyFor(PathString path) =>
        path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase) ? SwaggerPolicy
        : path.StartsWithSegments("/graphiql", StringComparison.OrdinalIgnoreCase) ? GraphiQLPolicy
        : path.StartsWithSegments("/lib", StringComparison.OrdinalIgnoreCase) ? null
        : ApiPolicy;
}
