namespace Referral.Api.Infrastructure;

/// <summary>
/// One check for every route: a query parameter (name or value) with a control character — a NUL byte, say, which
/// PostgreSQL refuses in text and which used to turn lists, nearest, ndjson and the audit log into 500s — is
/// <c>400 VALIDATION_FAILED</c> with the parameter as the field, before any endpoint runs.
/// </summary>
internal static class QueryStringGuard
{
    public static IApplicationBuilder UseReferralQueryStringGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (key, values) in http.Request.Query)
        {
            if (HasControl(key) || values.Any(v => v is not null && HasControl(v)))
            {
                errors[HasControl(key) ? "query" : key] = ["must not contain control characters."];
            }
        }
        if (errors.Count > 0)
        {
            await Problems.Validation(errors, "A query parameter contains control characters.").ExecuteAsync(http);
            return;
        }
        await next(http);
    });

    private static bool HasControl(string text) => text.Any(char.IsControl);
}
