using GraphQL.Types;

namespace Referral.Api.Features.Referrals;

internal sealed class RemoteAreaGraphType : ObjectGraphType<RemoteArea>
{
    public RemoteAreaGraphType()
    {
        Name = "RemoteServiceArea";
        Description = "The service area that covers the origin, without its outline (ask the service's serviceAreas for it).";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Name, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("regionCodes")
            .Description("Region codes such as CR or CR-SJ.")
            .Resolve(ctx => ctx.Source.RegionCodes);
        Field(x => x.HasExtent).Description("Whether the area has an outline (GeoJSON); it is on the service's detail, not here.");
        Field(x => x.Href).Description("The service's REST detail (GET), which carries the area's outline.");
    }
}
