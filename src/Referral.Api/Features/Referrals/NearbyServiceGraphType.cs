using GraphQL.Types;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.Referrals;

internal sealed class NearbyServiceGraphType : ObjectGraphType<NearbyService>
{
    public NearbyServiceGraphType()
    {
        Name = "NearbyService";
        Description = "A service at a location near the origin, as the public may see it.";
        Field(x => x.DistanceM).Description("Metres on the ellipsoid from the origin (to 0.1 m; to 500 m for approximate locations, measured from the generalised point).");
        Field(x => x.OpenNow, nullable: true).Description("Open at the query's moment, in the service's time zone; null when the service has no schedule.");
        Field("serviceAtLocationId", x => x.ServiceAtLocationId, type: typeof(NonNullGraphType<IdGraphType>));
        Field<NonNullGraphType<ServiceGraphType>>("service").Resolve(ctx => ctx.Source.Service);
        Field<NonNullGraphType<LocationGraphType>>("location").Resolve(ctx => ctx.Source.Location);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PhoneGraphType>>>>("phones").Resolve(ctx => ctx.Source.Phones);
    }
}
