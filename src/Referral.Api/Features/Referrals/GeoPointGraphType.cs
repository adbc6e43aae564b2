using GraphQL.Types;

namespace Referral.Api.Features.Referrals;

internal sealed class GeoPointGraphType : ObjectGraphType<GeoPoint>
{
    public GeoPointGraphType()
    {
        Name = "GeoPoint";
        Description = "A WGS 84 point.";
        Field(x => x.Latitude);
        Field(x => x.Longitude);
    }
}
