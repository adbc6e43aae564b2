using System.Text.Json;
using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class ServiceAreaInputGraphType : InputObjectGraphType<ServiceAreaDocument>
{
    public ServiceAreaInputGraphType()
    {
        Name = "ServiceAreaInput";
        Description = "Where the service serves: a GeoJSON extent, region codes, or both.";
        Field<IdGraphType>("id");
        Field<StringGraphType>("name");
        Field<StringGraphType>("description");
        Field<StringGraphType>("extent").Description("GeoJSON Polygon or MultiPolygon (WGS 84), as a string.");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("regionCodes").Description("Region codes such as CR or CR-SJ.");
    }

    // extent is a string in GraphQL (as in HSDS) but a JsonElement in the shared document, which the writer parses.
    public override object ParseDictionary(IDictionary<string, object?> value) => new ServiceAreaDocument
    {
        Id = value.TryGetValue("id", out var id) && id is not null ? Guid.Parse(id.ToString()!) : null,
        Name = value.TryGetValue("name", out var name) ? name as string : null,
        Description = value.TryGetValue("description", out var description) ? description as string : null,
        Extent = value.TryGetValue("extent", out var extent) && extent is string geoJson ? JsonSerializer.SerializeToElement(geoJson) : null,
        RegionCodes = value.TryGetValue("regionCodes", out var codes) && codes is IEnumerable<object?> list ? [.. list.Select(c => c?.ToString()!)] : null,
    };
}
