using GraphQL.Types;
using Referral.Api.Features.Jobs;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// A closed vocabulary of the directory as a GraphQL enum. The values come from the same lists in code as the REST
/// checks, the database constraints and the OpenAPI enums (<see cref="Vocabulary"/>, <see cref="Freshness"/>,
/// <see cref="JobStatus"/>); GraphQL spells them in capitals (<c>legal_aid</c> → <c>LEGAL_AID</c>,
/// <c>temporarily closed</c> → <c>TEMPORARILY_CLOSED</c>) and resolvers see the REST value.
/// </summary>
internal abstract class VocabularyEnumGraphType : EnumerationGraphType
{
    protected VocabularyEnumGraphType(string name, string description, IEnumerable<string> values)
    {
        Name = name;
        Description = description;
        foreach (var value in values.OrderBy(NameOf, StringComparer.Ordinal))
        {
            Add(NameOf(value), value, $"The value `{value}` in REST and HSDS documents.");
        }
    }

    /// <summary>The GraphQL name of a REST value: capitals, with underscores for spaces and hyphens.</summary>
    public static string NameOf(string value) => value.ToUpperInvariant().Replace(' ', '_').Replace('-', '_');
}

internal sealed class CategoryEnumGraphType() : VocabularyEnumGraphType("Category", "A code of the built-in referral-category taxonomy.", Vocabulary.Categories);

internal sealed class ServiceStatusEnumGraphType() : VocabularyEnumGraphType("ServiceStatus", "Whether a service operates (HSDS service status).", Vocabulary.ServiceStatuses);

internal sealed class GenderEnumGraphType() : VocabularyEnumGraphType("Gender", "A gender a service serves, or the child's gender.", Vocabulary.Genders);

internal sealed class DeliveryModeEnumGraphType() : VocabularyEnumGraphType("DeliveryMode", "How a service is delivered.", Vocabulary.DeliveryModes);

internal sealed class AudienceEnumGraphType() : VocabularyEnumGraphType("Audience", "Who a service talks to, or who is asking.", Vocabulary.Audiences);

internal sealed class PlatformEnumGraphType() : VocabularyEnumGraphType("Platform", "An online platform where abuse can happen and be reported.", Vocabulary.Platforms);

internal sealed class VisibilityEnumGraphType() : VocabularyEnumGraphType("Visibility", "How exactly a location is shown to the public (approximate and hidden protect shelters).", Vocabulary.Visibilities);

internal sealed class VerificationStatusEnumGraphType() : VocabularyEnumGraphType("VerificationStatus", "Whether a record was verified within the freshness window.", Freshness.Statuses);

internal sealed class JobStatusEnumGraphType() : VocabularyEnumGraphType("JobStatus", "Where a background job (gap analysis, placement) stands.", JobStatus.All);

/// <summary>A calendar date, <c>YYYY-MM-DD</c> (ISO 8601), for HSDS dates such as <c>assured_date</c>.</summary>
internal sealed class DateScalarGraphType : DateOnlyGraphType
{
    public DateScalarGraphType()
    {
        Name = "Date";
        Description = "A calendar date, YYYY-MM-DD (ISO 8601).";
    }

    /// <summary>HSDS documents carry dates as text; GraphQL gets them as a <see cref="DateOnly"/>.</summary>
    public static DateOnly? FromText(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date) ? date : null;

    public static string? ToText(object? value) => value is DateOnly date ? date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : value as string;
}
