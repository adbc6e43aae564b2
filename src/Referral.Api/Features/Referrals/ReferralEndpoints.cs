using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Referrals;

internal sealed record NearestQuery(
    [property: Description("Latitude of the origin (WGS 84).")][FromQuery(Name = "lat")] double? Lat = null,
    [property: Description("Longitude of the origin (WGS 84).")][FromQuery(Name = "lng")] double? Lng = null,
    [property: Description("Category code(s): repeat the parameter or separate with commas (police, helpline, legal_aid, …).")][FromQuery(Name = "category")] string[]? Category = null,
    [property: Description("How many results (default 10, at most 50).")][FromQuery(Name = "limit")] int? Limit = null,
    [property: Description("Only services within this many metres.")][FromQuery(Name = "max_distance_m")] double? MaxDistanceM = null,
    [property: Description("ISO 639 language the child speaks (es, en, bzd, …).")][FromQuery(Name = "language")] string? Language = null,
    [property: Description("The child's age, checked against each service's minimum and maximum age.")][FromQuery(Name = "age")] int? Age = null,
    [property: Description("any, female, male, non_binary or other.")][FromQuery(Name = "gender")] string? Gender = null,
    [property: Description("Only services open now (each in its own time zone).")][FromQuery(Name = "open_now")] bool? OpenNow = null,
    [property: Description("Only services open at this ISO 8601 instant (with offset), e.g. 2026-11-30T21:30:00-06:00.")][FromQuery(Name = "at")] string? At = null,
    [property: Description("Delivery mode: in_person, phone, sms, whatsapp, chat, email, online_form, outreach.")][FromQuery(Name = "mode")] string? Mode = null,
    [property: Description("Only free (true) or only paid (false) services.")][FromQuery(Name = "free")] bool? Free = null,
    [property: Description("Only services for this audience (child, caregiver, professional) or for everyone.")][FromQuery(Name = "audience")] string? Audience = null,
    [property: Description("Full-text search (accent-insensitive, typo tolerant).")][FromQuery(Name = "search")] string? Search = null,
    [property: Description("Leave out services not verified within the freshness window (default 365 days).")][FromQuery(Name = "exclude_stale")] bool? ExcludeStale = null,
    [property: Description("Keep to the origin's country (default true; a note says when a site across the border is much nearer). false: the nearest sites anywhere, each flagged `abroad` when in another country.")][FromQuery(Name = "same_country")] bool? SameCountry = null);

internal sealed record ReferralQuery(
    [property: Description("Latitude of the child (WGS 84).")][FromQuery(Name = "lat")] double? Lat = null,
    [property: Description("Longitude of the child (WGS 84).")][FromQuery(Name = "lng")] double? Lng = null,
    [property: Description("The child's age.")][FromQuery(Name = "age")] int? Age = null,
    [property: Description("any, female, male, non_binary or other.")][FromQuery(Name = "gender")] string? Gender = null,
    [property: Description("ISO 639 language the child speaks; also picks the category labels (en, es, pt, fr).")][FromQuery(Name = "language")] string? Language = null,
    [property: Description("Categories needed (default: all); repeat or separate with commas.")][FromQuery(Name = "needs")] string[]? Needs = null,
    [property: Description("Where the abuse happened online (facebook, whatsapp, tiktok, instagram, telegram, snapchat, youtube, x, games, …).")][FromQuery(Name = "platform")] string? Platform = null,
    [property: Description("Who is asking: child, caregiver or professional (preferred, not required).")][FromQuery(Name = "audience")] string? Audience = null,
    [property: Description("Only in-person options within this many metres.")][FromQuery(Name = "max_distance_m")] double? MaxDistanceM = null,
    [property: Description("Only options open now.")][FromQuery(Name = "open_now")] bool? OpenNow = null,
    [property: Description("Evaluate opening hours at this ISO 8601 instant (with offset) and keep only options open then.")][FromQuery(Name = "at")] string? At = null,
    [property: Description("Keep in-person options to the child's country (default true; a note says when a site across the border is much nearer). false: the nearest anywhere, each flagged `abroad` when in another country.")][FromQuery(Name = "same_country")] bool? SameCountry = null);

internal static class ReferralEndpoints
{
    public static IEndpointRouteBuilder MapReferrals(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Referrals").RequireCors(Cors.PublicRead);
        group.MapGet("/nearest", GetNearest).WithName("GetNearest")
            .WithSummary("Nearest matching services, with the remote channels (helplines, online reporting) that cover the point")
            .ProducesValidationProblem();
        group.MapGet("/referral", GetReferralCard).WithName("GetReferralCard")
            .WithSummary("Referral card: best in-person option per category, alternatives and remote channels for a child's profile")
            .ProducesValidationProblem();
        return app;
    }

    internal static async Task<Results<Ok<NearestResponse>, ValidationProblem>> GetNearest(
        [AsParameters] NearestQuery q, NearestQueries nearest, CategoryCatalog catalog, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var origin = FilterParser.Origin(q.Lat, q.Lng, errors);
        var filter = FilterParser.Parse(
            new FilterInput(q.Category, q.Language, q.Age, q.Gender, q.Mode, q.Free, q.Audience, null, q.Search, q.OpenNow, q.At, q.ExcludeStale, q.SameCountry),
            [.. (await catalog.GetAsync(ct)).Keys], clock.GetUtcNow(), errors);
        var limit = FilterParser.Limit(q.Limit, 10, errors);
        var max = FilterParser.MaxDistance(q.MaxDistanceM, "max_distance_m", errors);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        return TypedResults.Ok(await nearest.NearestAsync(origin!, filter, limit, max, ct));
    }

    internal static async Task<Results<Ok<ReferralCardResponse>, ValidationProblem>> GetReferralCard(
        [AsParameters] ReferralQuery q, ReferralCardQueries cards, CategoryCatalog catalog, TimeProvider clock, CancellationToken ct)
    {
        var errors = new FieldErrors();
        var origin = FilterParser.Origin(q.Lat, q.Lng, errors);
        var categories = await catalog.GetAsync(ct);
        var filter = FilterParser.Parse(
            new FilterInput(q.Needs, q.Language, q.Age, q.Gender, null, null, q.Audience, q.Platform, null, q.OpenNow, q.At, SameCountry: q.SameCountry),
            [.. categories.Keys], clock.GetUtcNow(), errors);
        var max = FilterParser.MaxDistance(q.MaxDistanceM, "max_distance_m", errors);
        if (errors.Any)
        {
            return Problems.Validation(RenameCategoryField(errors.ToDictionary(), "needs"));
        }
        var profile = new ReferralProfile(filter.Age, filter.Gender, filter.Language, filter.Audience, filter.Platform);
        return TypedResults.Ok(await cards.CardAsync(origin!, profile, filter, categories, max, ct));
    }

    // The card calls its categories "needs"; report errors under the parameter the caller sent.
    private static Dictionary<string, string[]> RenameCategoryField(Dictionary<string, string[]> errors, string name)
    {
        if (errors.Remove("category", out var messages))
        {
            errors[name] = messages;
        }
        return errors;
    }
}
