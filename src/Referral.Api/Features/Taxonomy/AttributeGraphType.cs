using GraphQL.Types;

namespace Referral.Api.Features.Taxonomy;

internal sealed class AttributeGraphType : ObjectGraphType<AttributeDocument>
{
    public AttributeGraphType()
    {
        Name = "Attribute";
        Description = "HSDS 3.1 attribute: links a service to a taxonomy term.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("linkId", x => x.LinkId, type: typeof(IdGraphType));
        Field("taxonomyTermId", x => x.TaxonomyTermId, type: typeof(IdGraphType));
        Field(x => x.LinkType);
        Field(x => x.LinkEntity);
        Field(x => x.Value);
        Field<TaxonomyTermGraphType>("taxonomyTerm").Resolve(ctx => ctx.Source.TaxonomyTerm);
    }
}
