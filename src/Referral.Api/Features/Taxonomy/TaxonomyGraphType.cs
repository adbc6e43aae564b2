using GraphQL.Types;

namespace Referral.Api.Features.Taxonomy;

internal sealed class TaxonomyGraphType : ObjectGraphType<TaxonomyDocument>
{
    public TaxonomyGraphType()
    {
        Name = "Taxonomy";
        Description = "HSDS 3.1 taxonomy, e.g. the built-in referral-category.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Name);
        Field(x => x.Description);
        Field(x => x.Uri);
        Field(x => x.Version);
    }
}
