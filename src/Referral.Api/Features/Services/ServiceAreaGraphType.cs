using System.Text.Json;
using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class ServiceAreaGraphType : ObjectGraphType<ServiceAreaDocument>
{
    public ServiceAreaGraphType()
    {
        Name = "ServiceArea";
        Description = "HSDS 3.1 service area: where a service without a point (helplines, online channels) serves.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("serviceId", x => x.ServiceId, type: typeof(IdGraphType));
        Field(x => x.Name);
        Field(x => x.Description);
        Field<StringGraphType>("extent")
            .Description("GeoJSON (Multi)Polygon as a string, as HSDS carries it.")
            .Resolve(ctx => ctx.Source.Extent is { ValueKind: JsonValueKind.String } e ? e.GetString() : ctx.Source.Extent?.GetRawText());
        Field(x => x.ExtentType);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("regionCodes")
            .Description("Region codes such as CR or CR-SJ.")
            .Resolve(ctx => ctx.Source.RegionCodes ?? []);
    }
}
