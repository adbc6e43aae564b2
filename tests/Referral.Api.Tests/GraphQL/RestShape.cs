using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.GraphQL;
using Referral.Api.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>
/// Compares a GraphQL result with the REST document of the same record: GraphQL names are mapped back to REST's
/// snake_case, nulls dropped (REST omits them), and the GraphQL-only fields removed; then the trees must be equal.
/// </summary>
public static class RestShape
{
    /// <summary>Every field of the REST service document, as a GraphQL fragment.</summary>
    public const string ServiceFields = """
        id organizationId name alternateName description url email status interpretationServices applicationProcess
        feesDescription eligibilityDescription minimumAge maximumAge assuredDate assurerEmail alert lastModified isFree available247
        genders deliveryModes audience platforms categories demo verificationStatus
        organization { id name alternateName description email website legalStatus yearIncorporated lastModified demo }
        phones { id serviceId number extension type description languages { id serviceId phoneId name code note } }
        schedules { id serviceId freq byday opensAt closesAt validFrom validTo timezone timeZone description notes }
        serviceAreas { id serviceId name description extent extentType regionCodes }
        serviceAtLocations { id serviceId locationId description location { id organizationId locationType url name alternateName
          description transportation latitude longitude visibility demo
          addresses { id locationId attention address1 address2 city region stateProvince postalCode country addressType }
          accessibility { id locationId description } } }
        languages { id serviceId phoneId name code note }
        attributes { id linkId taxonomyTermId linkType linkEntity value taxonomyTerm { id code name description parentId taxonomy
          taxonomyDetail { id name description uri version } taxonomyId termUri labels { language name } } }
        """;

    private static readonly Dictionary<string, string> Special = new(StringComparer.Ordinal)
    {
        ["address1"] = "address_1",
        ["address2"] = "address_2",
        ["available247"] = "available_24_7",
    };

    public static JsonNode? FromGraphQL(JsonElement element, params string[] graphQLOnly) => Convert(JsonNode.Parse(element.GetRawText()), graphQLOnly);

    /// <summary>GraphQL fields (and REST keys) whose values are vocabulary enums: GraphQL spells them in capitals.</summary>
    public static readonly HashSet<string> EnumKeys = new(StringComparer.Ordinal)
    {
        "status", "genders", "gender", "deliveryModes", "delivery_modes", "mode", "audience", "platforms", "platform",
        "categories", "category", "verificationStatus", "verification_status", "visibility", "needs",
    };

    private static readonly Dictionary<string, string> RestValues = new[]
    {
        Vocabulary.Categories, Vocabulary.ServiceStatuses, Vocabulary.Genders, Vocabulary.DeliveryModes, Vocabulary.Audiences,
        Vocabulary.Platforms, Vocabulary.Visibilities, Freshness.Statuses, Referral.Api.Features.Jobs.JobStatus.All,
    }.SelectMany(v => v).Distinct().ToDictionary(VocabularyEnumGraphType.NameOf, v => v, StringComparer.Ordinal);

    /// <summary>The GraphQL enum name of a REST value (<c>legal_aid</c> → <c>LEGAL_AID</c>).</summary>
    public static string Enum(string restValue) => VocabularyEnumGraphType.NameOf(restValue);

    /// <summary>A REST value in GraphQL spelling, for enum-valued keys; other values unchanged.</summary>
    public static JsonNode? ToGraphQLValue(string key, JsonNode? value) => value switch
    {
        JsonValue v when EnumKeys.Contains(key) && v.GetValueKind() == JsonValueKind.String && RestValues.ContainsKey(Enum(v.GetValue<string>())) =>
            JsonValue.Create(Enum(v.GetValue<string>())),
        JsonArray a when EnumKeys.Contains(key) => new JsonArray([.. a.Select(x => ToGraphQLValue(key, x))]),
        _ => value?.DeepClone(),
    };

    private static JsonNode? FromGraphQLValue(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String &&
        RestValues.TryGetValue(v.GetValue<string>(), out var rest) ? JsonValue.Create(rest) : Convert(value, []);

    private static JsonNode? Convert(JsonNode? node, string[] graphQLOnly)
    {
        switch (node)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (key, value) in o)
                {
                    if (value is null || graphQLOnly.Contains(key))
                    {
                        continue;
                    }
                    if (key == "labels" && value is JsonArray labels)
                    {
                        var map = new JsonObject();
                        foreach (var label in labels)
                        {
                            map[label!["language"]!.GetValue<string>()] = label["name"]!.GetValue<string>();
                        }
                        result["labels"] = map;
                        continue;
                    }
                    result[Snake(key)] = EnumKeys.Contains(key) && value is JsonValue
                        ? FromGraphQLValue(value)
                        : EnumKeys.Contains(key) && value is JsonArray values && values.All(x => x is JsonValue)
                            ? new JsonArray([.. values.Select(FromGraphQLValue)])
                            : Convert(value, graphQLOnly);
                }
                return result;
            case JsonArray a:
                return new JsonArray([.. a.Select(x => Convert(x, graphQLOnly))]);
            default:
                return node?.DeepClone();
        }
    }

    private static string Snake(string name)
    {
        if (Special.TryGetValue(name, out var special))
        {
            return special;
        }
        var text = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                text.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }

    /// <summary>Asserts both trees are equal (numbers by value, instants by instant) and names the first difference.</summary>
    public static void AssertEqual(JsonNode? rest, JsonNode? graphQL, string path = "$")
    {
        switch (rest, graphQL)
        {
            case (JsonObject r, JsonObject g):
                var keys = r.Select(p => p.Key).Union(g.Select(p => p.Key)).Order(StringComparer.Ordinal);
                foreach (var key in keys)
                {
                    Assert.True(r.ContainsKey(key), $"{path}.{key}: GraphQL has {g[key]?.ToJsonString()}, REST has no such field");
                    Assert.True(g.ContainsKey(key), $"{path}.{key}: REST has {r[key]?.ToJsonString()}, GraphQL has nothing");
                    AssertEqual(r[key], g[key], $"{path}.{key}");
                }
                break;
            case (JsonArray r, JsonArray g):
                Assert.True(r.Count == g.Count, $"{path}: REST has {r.Count} items, GraphQL {g.Count}");
                for (var i = 0; i < r.Count; i++)
                {
                    AssertEqual(r[i], g[i], $"{path}[{i}]");
                }
                break;
            case (JsonValue r, JsonValue g) when r.GetValueKind() == JsonValueKind.Number && g.GetValueKind() == JsonValueKind.Number:
                Assert.True(r.GetValue<double>() == g.GetValue<double>(), $"{path}: REST {r}, GraphQL {g}");
                break;
            case (JsonValue r, JsonValue g) when r.GetValueKind() == JsonValueKind.String && g.GetValueKind() == JsonValueKind.String:
                var (a, b) = (r.GetValue<string>(), g.GetValue<string>());
                var sameInstant = a.Contains('T', StringComparison.Ordinal) &&
                    DateTimeOffset.TryParse(a, CultureInfo.InvariantCulture, out var x) &&
                    DateTimeOffset.TryParse(b, CultureInfo.InvariantCulture, out var y) && x == y;
                Assert.True(a == b || sameInstant, $"{path}: REST \"{a}\", GraphQL \"{b}\"");
                break;
            default:
                Assert.True(rest?.ToJsonString() == graphQL?.ToJsonString(), $"{path}: REST {rest?.ToJsonString()}, GraphQL {graphQL?.ToJsonString()}");
                break;
        }
    }
}
