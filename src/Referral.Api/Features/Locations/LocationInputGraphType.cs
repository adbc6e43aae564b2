using GraphQL.Types;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Locations;

internal sealed class LocationInputGraphType : InputObjectGraphType<LocationDocument>
{
    public LocationInputGraphType()
    {
        Name = "LocationInput";
        Description = "A location, created or updated with the service that uses it (locations may be shared by id).";
        Field("id", x => x.Id, type: typeof(IdGraphType)).Description("An existing location's id to update or share it, or a new UUID.");
        Field("organizationId", x => x.OrganizationId, type: typeof(IdGraphType)).Description("Defaults to the service's organization.");
        Field(x => x.LocationType, nullable: true).Description("physical (default) | postal | virtual.");
        Field(x => x.Url, nullable: true);
        Field(x => x.Name, nullable: true);
        Field(x => x.AlternateName, nullable: true);
        Field(x => x.Description, nullable: true);
        Field(x => x.Transportation, nullable: true);
        Field(x => x.Latitude, nullable: true).Description("WGS 84; required (with longitude) for a physical location.");
        Field(x => x.Longitude, nullable: true);
        Field("addresses", x => x.Addresses, type: typeof(ListGraphType<NonNullGraphType<AddressInputGraphType>>));
        Field("accessibility", x => x.Accessibility, type: typeof(ListGraphType<NonNullGraphType<AccessibilityInputGraphType>>));
        Field(x => x.Visibility, type: typeof(VisibilityEnumGraphType)).Description("How exactly the location is shown; default PUBLIC.");
    }
}
