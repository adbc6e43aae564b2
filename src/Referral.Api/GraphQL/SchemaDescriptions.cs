using GraphQL.Types;
using GraphQL.Utilities;

namespace Referral.Api.GraphQL;

/// <summary>
/// Every type, field and argument of the schema is described (graphql-schema-linter's rules): a field without its own
/// description gets the meaning of its REST twin — the same record, in snake_case under /api — or of a common name
/// (ids, names, pagination); descriptions start with a capital. Runs once, when the schema is built.
/// </summary>
internal sealed class SchemaDescriptions : BaseSchemaNodeVisitor
{
    private static readonly Dictionary<string, string> Common = new(StringComparer.Ordinal)
    {
        ["id"] = "Unique identifier (a UUID).",
        ["near"] = "The origin: where the child is.",
        ["filter"] = "Who the help is for and what is needed.",
        ["profile"] = "The child: age, gender, language, who is asking.",
        ["lat"] = "Latitude in degrees (WGS 84), -90 to 90.",
        ["lng"] = "Longitude in degrees (WGS 84), -180 to 180.",
        ["latitude"] = "Latitude in degrees (WGS 84).",
        ["longitude"] = "Longitude in degrees (WGS 84).",
        ["number"] = "The phone number, in international (E.164) form when known.",
        ["label"] = "A name for people, in the requested language when known.",
        ["status"] = "Where it stands.",
        ["region"] = "Region (HSDS address region; an ISO 3166-2 code when known).",
        ["country"] = "ISO 3166-1 alpha-2 country code.",
        ["city"] = "City or town.",
        ["name"] = "Name, as people know it.",
        ["alternateName"] = "Another name it is known by.",
        ["description"] = "A description in plain words.",
        ["url"] = "Web address.",
        ["website"] = "Web address.",
        ["email"] = "E-mail address.",
        ["serviceId"] = "The id of the service it belongs to.",
        ["locationId"] = "The id of the location it belongs to.",
        ["organizationId"] = "The id of the organization it belongs to.",
        ["phoneId"] = "The id of the phone it belongs to.",
        ["lastModified"] = "When the record last changed.",
        ["demo"] = "True for fictional demo records.",
        ["code"] = "The code clients match on.",
        ["note"] = "A note for the reader.",
        ["first"] = "How many items to return.",
        ["after"] = "Return the items after this cursor.",
        ["ifMatch"] = "The record's etag as read: change it only if nobody else did since (else PRECONDITION_FAILED).",
        ["input"] = "The record to write.",
        ["cursor"] = "A cursor for use in pagination.",
        ["node"] = "The item at the end of the edge.",
        ["edges"] = "The items, each with its cursor.",
        ["items"] = "The items of this page.",
        ["pageInfo"] = "Where this page is in the whole list.",
        ["totalCount"] = "How many items the whole list has.",
    };

    public override void VisitObject(IObjectGraphType type, ISchema schema) => type.Description = Describe(type.Description, TypeText(type.Name));

    public override void VisitInputObject(IInputObjectGraphType type, ISchema schema) => type.Description = Describe(type.Description, TypeText(type.Name));

    public override void VisitEnum(EnumerationGraphType type, ISchema schema) => type.Description = Describe(type.Description, TypeText(type.Name));

    public override void VisitScalar(ScalarGraphType type, ISchema schema) => type.Description = Describe(type.Description, $"The {type.Name} scalar.");

    public override void VisitInterface(IInterfaceGraphType type, ISchema schema) => type.Description = Describe(type.Description, TypeText(type.Name));

    public override void VisitUnion(UnionGraphType type, ISchema schema) => type.Description = Describe(type.Description, TypeText(type.Name));

    public override void VisitObjectFieldDefinition(FieldType field, IObjectGraphType type, ISchema schema) =>
        field.Description = Describe(field.Description, FieldText(field.Name));

    public override void VisitInterfaceFieldDefinition(FieldType field, IInterfaceGraphType type, ISchema schema) =>
        field.Description = Describe(field.Description, FieldText(field.Name));

    public override void VisitInputObjectFieldDefinition(FieldType field, IInputObjectGraphType type, ISchema schema) =>
        field.Description = Describe(field.Description, FieldText(field.Name));

    public override void VisitObjectFieldArgumentDefinition(QueryArgument argument, FieldType field, IObjectGraphType type, ISchema schema) =>
        argument.Description = Describe(argument.Description, FieldText(argument.Name));

    public override void VisitEnumValue(EnumValueDefinition value, EnumerationGraphType type, ISchema schema) =>
        value.Description = Describe(value.Description, $"The value {value.Name}.");

    private static string TypeText(string name) =>
        name.EndsWith("Input", StringComparison.Ordinal) ? $"{name[..^5]} to write (the REST body's fields)."
        : name.EndsWith("Connection", StringComparison.Ordinal) ? $"A page of {name[..^10]} items (Relay connection)."
        : name.EndsWith("Edge", StringComparison.Ordinal) ? $"One {name[..^4]} item of a page, with its cursor."
        : name.EndsWith("Payload", StringComparison.Ordinal) ? $"The result of a {name[..^7]} mutation."
        : $"{name}: the same record as in the REST API.";

    private static string FieldText(string name) =>
        Common.TryGetValue(name, out var text) ? text : $"{Words(name)}, as in the REST document.";

    // serviceAtLocations → Service at locations.
    private static string Words(string name) =>
        string.Concat(name.Select((c, i) => i == 0 ? char.ToUpperInvariant(c).ToString() : char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));

    private static string Describe(string? own, string fallback)
    {
        var text = string.IsNullOrWhiteSpace(own) ? fallback : own.Trim();
        return char.IsLower(text[0]) ? char.ToUpperInvariant(text[0]) + text[1..] : text;
    }
}
