using System.Globalization;
using GraphQL;
using GraphQL.Types;
using Referral.Api.Features.Places;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Regions;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// Root fields over the referral query layer: the same query classes, records and validation (<see cref="FilterParser"/>)
/// as REST <c>/api/nearest</c>, <c>/api/referral</c>, <c>/api/places</c> and <c>/api/regions</c>; only the names of the
/// fields in VALIDATION_FAILED errors are GraphQL's (<c>near.lat</c>, <c>filter.age</c>, <c>first</c> …).
/// </summary>
internal sealed partial class QueryType
{
    private static readonly Dictionary<string, string> NearestNames = new(StringComparer.Ordinal)
    {
        ["lat"] = "near.lat",
        ["lng"] = "near.lng",
        ["category"] = "filter.categories",
        ["language"] = "filter.language",
        ["age"] = "filter.age",
        ["gender"] = "filter.gender",
        ["mode"] = "filter.mode",
        ["audience"] = "filter.audience",
        ["search"] = "filter.search",
        ["at"] = "filter.at",
        ["limit"] = "first",
    };

    private static readonly Dictionary<string, string> CardNames = new(StringComparer.Ordinal)
    {
        ["lat"] = "near.lat",
        ["lng"] = "near.lng",
        ["category"] = "needs",
        ["language"] = "profile.language",
        ["age"] = "profile.age",
        ["gender"] = "profile.gender",
        ["audience"] = "profile.audience",
    };

    private static readonly Dictionary<string, string> PlaceNames = new(StringComparer.Ordinal) { ["limit"] = "first" };

    private void AddReferralFields()
    {
        Field<NonNullGraphType<NearestResultGraphType>>("nearestServices")
            .Description("The nearest matching services to a point, with the remote channels that cover it (REST: GET /api/nearest).")
            .Argument<NonNullGraphType<GeoPointInputGraphType>>("near")
            .Argument<ServiceFilterInputGraphType>("filter")
            .Argument<IntGraphType>("first", $"How many results (default 10, at most {FilterParser.MaxLimit}).")
            .Argument<FloatGraphType>("maxDistanceMeters", "Only services within this many metres.")
            .Argument<BooleanGraphType>("sameCountry", "Keep to the origin's country (default true); false: the nearest anywhere, flagged `abroad`.")
            .ResolveAsync(NearestServicesAsync);

        Field<NonNullGraphType<ReferralCardGraphType>>("referralCard")
            .Description("Referral card: the best in-person option per needed category, alternatives and remote channels for a child (REST: GET /api/referral).")
            .Argument<NonNullGraphType<GeoPointInputGraphType>>("near")
            .Argument<ReferralProfileInputGraphType>("profile")
            .Argument<ListGraphType<NonNullGraphType<CategoryEnumGraphType>>>("needs", "Categories needed (default: all).")
            .Argument<PlatformEnumGraphType>("platform", "Where the abuse happened online: adds that platform's reporting channels.")
            .Argument<FloatGraphType>("maxDistanceMeters", "Only in-person options within this many metres.")
            .Argument<BooleanGraphType>("openNow", "Only options open now.")
            .Argument<DateTimeOffsetGraphType>("at", "Evaluate opening hours at this instant (ISO 8601 with offset) and keep only options open then.")
            .Argument<BooleanGraphType>("sameCountry", "Keep in-person options to the child's country (default true); false: the nearest anywhere, flagged `abroad`.")
            .ResolveAsync(ReferralCardAsync);

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PlaceGraphType>>>>("places")
            .Description("Search the gazetteer by town name: accent-insensitive, prefix and typo tolerant, larger towns first (REST: GET /api/places).")
            .Argument<NonNullGraphType<StringGraphType>>("q", "Town name, or its beginning.")
            .Argument<StringGraphType>("country", "ISO 3166-1 alpha-2 country code to restrict to.")
            .Argument<IntGraphType>("first", $"How many places (default 10, at most {FilterParser.MaxLimit}).")
            .ResolveAsync(PlacesAsync);

        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RegionGraphType>>>>("regions")
            .Description("Regions: countries, provinces, planning areas (REST: GET /api/regions).")
            .Argument<IntGraphType>("level", "Only regions of this level (0 = country, 1 = province, …).")
            .Argument<StringGraphType>("parentCode", "Only regions inside this parent region code.")
            .Argument<BooleanGraphType>("withGeometry", "Include each region's outline (large).")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<RegionQueries>().ListAsync(
                ctx.GetArgument<int?>("level"), ctx.GetArgument<string?>("parentCode")?.Trim().ToUpperInvariant(),
                ctx.GetArgument<bool?>("withGeometry") == true, null, ctx.CancellationToken));

        Field<RegionGraphType>("region").Description("One region by code, with its outline (REST: GET /api/regions/{code}).")
            .Argument<NonNullGraphType<StringGraphType>>("code")
            .ResolveAsync(async ctx =>
            {
                var code = ctx.GetArgument<string>("code");
                return code.Length <= Limits.Code && await ctx.RequestServices!.GetRequiredService<RegionQueries>()
                    .FindAsync(code.Trim().ToUpperInvariant(), ctx.CancellationToken) is { } region
                    ? region
                    : throw GraphQLErrors.Of(ErrorCodes.NotFound, $"No region with code '{FieldErrors.Clip(code)}'.");
            });
    }

    private static async Task<object?> NearestServicesAsync(IResolveFieldContext<object?> ctx)
    {
        var services = ctx.RequestServices!;
        var errors = new FieldErrors();
        var near = ctx.GetArgument<GeoPoint>("near");
        var origin = FilterParser.Origin(near.Latitude, near.Longitude, errors);
        var filter = FilterParser.Parse((ctx.GetArgument<FilterInput?>("filter") ?? new FilterInput()) with { SameCountry = ctx.GetArgument<bool?>("sameCountry") },
            [.. (await services.GetRequiredService<CategoryCatalog>().GetAsync(ctx.CancellationToken)).Keys],
            services.GetRequiredService<TimeProvider>().GetUtcNow(), errors);
        var limit = FilterParser.Limit(ctx.GetArgument<int?>("first"), 10, errors);
        var max = FilterParser.MaxDistance(ctx.GetArgument<double?>("maxDistanceMeters"), "maxDistanceMeters", errors);
        if (errors.Any)
        {
            throw GraphQLErrors.Validation(Rename(errors, NearestNames));
        }
        return await services.GetRequiredService<NearestQueries>().NearestAsync(origin!, filter, limit, max, ctx.CancellationToken);
    }

    private static async Task<object?> ReferralCardAsync(IResolveFieldContext<object?> ctx)
    {
        var services = ctx.RequestServices!;
        var errors = new FieldErrors();
        var near = ctx.GetArgument<GeoPoint>("near");
        var origin = FilterParser.Origin(near.Latitude, near.Longitude, errors);
        var profile = ctx.GetArgument<ReferralProfile?>("profile") ?? new ReferralProfile(null, null, null, null, null);
        var categories = await services.GetRequiredService<CategoryCatalog>().GetAsync(ctx.CancellationToken);
        var filter = FilterParser.Parse(
            new FilterInput(ctx.GetArgument<List<string>?>("needs"), profile.Language, profile.Age, profile.Gender, null, null,
                profile.Audience, ctx.GetArgument<string?>("platform"), null, ctx.GetArgument<bool?>("openNow"), ctx.GetArgument<DateTimeOffset?>("at")?.ToString("o", CultureInfo.InvariantCulture),
                SameCountry: ctx.GetArgument<bool?>("sameCountry")),
            [.. categories.Keys], services.GetRequiredService<TimeProvider>().GetUtcNow(), errors);
        var max = FilterParser.MaxDistance(ctx.GetArgument<double?>("maxDistanceMeters"), "maxDistanceMeters", errors);
        if (errors.Any)
        {
            throw GraphQLErrors.Validation(Rename(errors, CardNames));
        }
        var understood = new ReferralProfile(filter.Age, filter.Gender, filter.Language, filter.Audience, filter.Platform);
        return await services.GetRequiredService<ReferralCardQueries>().CardAsync(origin!, understood, filter, categories, max, ctx.CancellationToken);
    }

    private static async Task<object?> PlacesAsync(IResolveFieldContext<object?> ctx)
    {
        var errors = new FieldErrors();
        var q = errors.Text("q", ctx.GetArgument<string>("q"), Limits.Short, required: true);
        var country = ctx.GetArgument<string?>("country")?.Trim().ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 code such as CR.");
        }
        var limit = FilterParser.Limit(ctx.GetArgument<int?>("first"), 10, errors);
        if (errors.Any)
        {
            throw GraphQLErrors.Validation(Rename(errors, PlaceNames));
        }
        return await ctx.RequestServices!.GetRequiredService<PlaceQueries>().SearchAsync(q!, country, limit, ctx.CancellationToken);
    }

    /// <summary>REST's field names (query parameters) → this field's argument paths.</summary>
    private static Dictionary<string, string[]> Rename(FieldErrors errors, Dictionary<string, string> names) =>
        errors.ToDictionary().ToDictionary(e => names.GetValueOrDefault(e.Key, e.Key), e => e.Value, StringComparer.Ordinal);
}
