namespace Referral.Api.Infrastructure;

/// <summary>
/// Headers every response carries, errors included (security review, issue 11 item 12): no MIME sniffing of JSON or CSV
/// into HTML, no referrer (a URL holds a child's coordinates), and no framing by other sites (clickjacking of the write
/// pages). A page that needs more (the web app's Content-Security-Policy) adds it itself.
/// </summary>
internal static class SecurityHeaders
{
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
            return Task.CompletedTask;
        });
        return next(http);
    });
}
