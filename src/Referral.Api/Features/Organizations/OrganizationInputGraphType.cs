using GraphQL.Types;

namespace Referral.Api.Features.Organizations;

/// <summary>
/// The writable part of <see cref="OrganizationDocument"/>. Fields are optional in the schema so that every rule is checked
/// by the same writer as REST and reported together as VALIDATION_FAILED.
/// </summary>
internal sealed class OrganizationInputGraphType : InputObjectGraphType<OrganizationDocument>
{
    public OrganizationInputGraphType()
    {
        Name = "OrganizationInput";
        Description = "An organization to create or replace (HSDS 3.1 organization).";
        Field("id", x => x.Id, type: typeof(IdGraphType)).Description("On create only: a UUID to use instead of a generated one.");
        Field(x => x.Name, nullable: true).Description("Required.");
        Field(x => x.AlternateName, nullable: true);
        Field(x => x.Description, nullable: true);
        Field(x => x.Email, nullable: true);
        Field(x => x.Website, nullable: true).Description("An absolute http(s) URL.");
        Field(x => x.LegalStatus, nullable: true);
        Field(x => x.YearIncorporated, nullable: true);
    }
}
