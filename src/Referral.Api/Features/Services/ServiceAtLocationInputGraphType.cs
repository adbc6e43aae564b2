using GraphQL.Types;
using Referral.Api.Features.Locations;

namespace Referral.Api.Features.Services;

internal sealed class ServiceAtLocationInputGraphType : InputObjectGraphType<ServiceAtLocationDocument>
{
    public ServiceAtLocationInputGraphType()
    {
        Name = "ServiceAtLocationInput";
        Description = "Offers the service at a location: give a location object (new or updated), or the locationId of an existing one.";
        Field("id", x => x.Id, type: typeof(IdGraphType));
        Field("locationId", x => x.LocationId, type: typeof(IdGraphType));
        Field(x => x.Description, nullable: true);
        Field("location", x => x.Location, type: typeof(LocationInputGraphType));
    }
}
