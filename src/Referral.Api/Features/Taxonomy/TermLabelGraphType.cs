using GraphQL.Types;

namespace Referral.Api.Features.Taxonomy;

internal sealed class TermLabelGraphType : ObjectGraphType<KeyValuePair<string, string>>
{
    public TermLabelGraphType()
    {
        Name = "TermLabel";
        Description = "A taxonomy term's display name in one language.";
        Field<NonNullGraphType<StringGraphType>>("language").Description("ISO 639 code, e.g. es.").Resolve(ctx => ctx.Source.Key);
        Field<NonNullGraphType<StringGraphType>>("name").Resolve(ctx => ctx.Source.Value);
    }
}
