using GraphQL.Types;
using Referral.Api.Features.Locations;

namespace Referral.Api.Features.Services;

internal sealed class ServiceAtLocationGraphType : ObjectGraphType<ServiceAtLocationDocument>
{
    public ServiceAtLocationGraphType()
    {
        Name = "ServiceAtLocation";
        Description = "HSDS 3.1 service_at_location: one service offered at one (publicly visible) location.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("serviceId", x => x.ServiceId, type: typeof(IdGraphType));
        Field("locationId", x => x.LocationId, type: typeof(IdGraphType));
        Field(x => x.Description);
        Field<LocationGraphType>("location").Resolve(ctx => ctx.Source.Location);
    }
}
