using GraphQL.Types;

namespace Referral.Api.Features.Taxonomy;

internal sealed class AttributeInputGraphType : InputObjectGraphType<AttributeDocument>
{
    public AttributeInputGraphType()
    {
        Name = "AttributeInput";
        Description = "Links the service to a taxonomy term of any taxonomy (categories is the shortcut for referral-category).";
        Field("taxonomyTermId", x => x.TaxonomyTermId, type: typeof(IdGraphType)).Description("Required.");
        Field(x => x.Value, nullable: true);
    }
}
