using GraphQL.Types;

namespace Referral.Api.Features.Locations;

internal sealed class AddressGraphType : ObjectGraphType<AddressDocument>
{
    public AddressGraphType()
    {
        Name = "Address";
        Description = "HSDS 3.1 address of a location.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("locationId", x => x.LocationId, type: typeof(IdGraphType));
        Field(x => x.Attention);
        Field("address1", x => x.Address1, nullable: true);
        Field("address2", x => x.Address2, nullable: true);
        Field(x => x.City);
        Field(x => x.Region);
        Field(x => x.StateProvince);
        Field(x => x.PostalCode);
        Field(x => x.Country).Description("ISO 3166-1 alpha-2.");
        Field(x => x.AddressType);
    }
}
