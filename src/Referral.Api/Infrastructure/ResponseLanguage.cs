using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Referral.Api.Infrastructure;

/// <summary>
/// The language of user-facing text in responses (the referral card's notice, category notes, validation messages):
/// the request's <c>language</c> parameter when it is one of <see cref="Supported"/>, else the best supported
/// <c>Accept-Language</c>, else English. Only the UI culture changes (numbers, dates and codes keep their invariant
/// form); the answer says which language it is in with <c>Content-Language</c>. Error <c>code</c>s never change.
/// </summary>
internal static class ResponseLanguage
{
    public static readonly string[] Supported = ["en", "es", "pt", "fr"];

    public static IApplicationBuilder UseReferralResponseLanguage(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/graphql"))
        {
            var language = Pick(http.Request);
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);
            http.Response.Headers.ContentLanguage = language;
        }
        await next(http);
    });

    public static string Pick(HttpRequest request)
    {
        if (Match(request.Query["language"].ToString()) is { } asked)
        {
            return asked;
        }
        if (StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptLanguage, out var accepted))
        {
            foreach (var value in accepted.Where(a => (a.Quality ?? 1) > 0).OrderByDescending(a => a.Quality ?? 1))
            {
                if (Match(value.Value.Value) is { } language)
                {
                    return language;
                }
            }
        }
        return "en";
    }

    /// <summary><c>es-CR</c> → <c>es</c> when supported.</summary>
    private static string? Match(string? tag)
    {
        var primary = tag?.Split('-', '_')[0].Trim().ToLowerInvariant();
        return primary is { Length: > 0 } && Supported.Contains(primary) ? primary : null;
    }
}

/// <summary>User-facing texts in the response language (<see cref="ResponseLanguage"/>), from <c>Resources/Messages*.resx</c>.</summary>
internal static class Texts
{
    private static readonly IStringLocalizer Localizer = new ResourceManagerStringLocalizerFactory(
        Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance).Create(typeof(Resources.Messages));

    public static string Get(string name) => Localizer[name];

    public static string Get(string name, params object[] args) => Localizer[name, args];

    /// <summary>A number for people reading the response language (2.5 km in English, 2,5 km in Spanish).</summary>
    public static string Number(double value, string format) => value.ToString(format, CultureInfo.CurrentUICulture);
}
