using GraphQL.Types;

namespace Referral.Api.Features.Taxonomy;

internal sealed class TaxonomyTermGraphType : ObjectGraphType<TaxonomyTermDocument>
{
    public TaxonomyTermGraphType()
    {
        Name = "TaxonomyTerm";
        Description = "HSDS 3.1 taxonomy term, e.g. the category `police`.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Code);
        Field(x => x.Name);
        Field(x => x.Description);
        Field("parentId", x => x.ParentId, type: typeof(IdGraphType));
        Field(x => x.Taxonomy).Description("The taxonomy's name.");
        Field<TaxonomyGraphType>("taxonomyDetail").Resolve(ctx => ctx.Source.TaxonomyDetail);
        Field("taxonomyId", x => x.TaxonomyId, type: typeof(IdGraphType));
        Field(x => x.TermUri);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TermLabelGraphType>>>>("labels")
            .Description("Display names by language.")
            .Resolve(ctx => ctx.Source.Labels?.OrderBy(l => l.Key, StringComparer.Ordinal).ToArray() ?? []);
    }
}
