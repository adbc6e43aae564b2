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
        Field(x => x.Country, nullable: true).Description("The site's country (ISO 3166-1 alpha-2): its address's, else the outline its point is in.");
        Field(x => x.Abroad).Description("In another country than the origin.");
        Field(x => x.FarAway).Description("Farther than the far-away threshold (Referrals:FarAwayKm, default 200 km).");
        Field(x => x.Note, nullable: true).Description("Why this option needs a second look (across the border, far away).");
    }
}
