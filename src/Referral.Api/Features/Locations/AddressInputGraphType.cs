using GraphQL.Types;

namespace Referral.Api.Features.Locations;

internal sealed class AddressInputGraphType : InputObjectGraphType<AddressDocument>
{
    public AddressInputGraphType()
    {
        Name = "AddressInput";
        Field("id", x => x.Id, type: typeof(IdGraphType));
        Field(x => x.Attention, nullable: true);
        Field("address1", x => x.Address1, nullable: true);
        Field("address2", x => x.Address2, nullable: true);
        Field(x => x.City, nullable: true).Description("Optional: an address may give only its region or province.");
        Field(x => x.Region, nullable: true);
        Field(x => x.StateProvince, nullable: true);
        Field(x => x.PostalCode, nullable: true);
        Field(x => x.Country, nullable: true).Description("Required: ISO 3166-1 alpha-2, e.g. CR.");
        Field(x => x.AddressType, nullable: true).Description("physical (default) | postal | virtual.");
    }
}
