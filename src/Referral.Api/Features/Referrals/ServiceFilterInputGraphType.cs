using System.Globalization;
using GraphQL.Types;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Referrals;

/// <summary>The filters of REST <c>GET /api/nearest</c>, validated by the same <see cref="FilterParser"/>.</summary>
internal sealed class ServiceFilterInputGraphType : InputObjectGraphType<FilterInput>
{
    public ServiceFilterInputGraphType()
    {
        Name = "ServiceFilterInput";
        Description = "Who the help is for and what is needed; every field is optional.";
        Field<ListGraphType<NonNullGraphType<CategoryEnumGraphType>>>("categories").Description("Categories needed (any of them).");
        Field<StringGraphType>("language").Description("ISO 639 language the child speaks (es, en, bzd, …).");
        Field<IntGraphType>("age").Description("The child's age, checked against each service's minimum and maximum age.");
        Field<GenderEnumGraphType>("gender").Description("The child's gender, checked against each service's genders.");
        Field<DeliveryModeEnumGraphType>("mode").Description("Only services delivered this way.");
        Field<BooleanGraphType>("free").Description("Only free (true) or only paid (false) services.");
        Field<AudienceEnumGraphType>("audience").Description("Only services for this audience or for everyone.");
        Field<StringGraphType>("search").Description("Full-text search (accent-insensitive, typo tolerant).");
        Field<BooleanGraphType>("openNow").Description("Only services open now (each in its own time zone).");
        Field<DateTimeOffsetGraphType>("at").Description("Only services open at this instant (ISO 8601 with offset), e.g. 2026-11-30T21:30:00-06:00.");
        Field<BooleanGraphType>("excludeStale").Description("Leave out services not verified within the freshness window (default 365 days).");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new FilterInput(
        Categories: value.TryGetValue("categories", out var c) && c is IEnumerable<object?> list ? [.. list.OfType<string>()] : null,
        Language: Get<string>(value, "language"),
        Age: Get<int?>(value, "age"),
        Gender: Get<string>(value, "gender"),
        Mode: Get<string>(value, "mode"),
        Free: Get<bool?>(value, "free"),
        Audience: Get<string>(value, "audience"),
        Platform: null, // REST /api/nearest has no platform filter; the referral card takes it
        Search: Get<string>(value, "search"),
        OpenNow: Get<bool?>(value, "openNow"),
        At: Get<DateTimeOffset?>(value, "at")?.ToString("o", CultureInfo.InvariantCulture),
        ExcludeStale: Get<bool?>(value, "excludeStale"));

    private static T? Get<T>(IDictionary<string, object?> value, string name) => value.TryGetValue(name, out var v) && v is T t ? t : default;
}
