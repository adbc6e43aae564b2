using GraphQL.Types;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Referrals;

internal sealed class ReferralCategoryGraphType : ObjectGraphType<ReferralCategory>
{
    public ReferralCategoryGraphType()
    {
        Name = "ReferralCategory";
        Description = "The best in-person option for one needed category, with up to two alternatives.";
        Field(x => x.Category, type: typeof(NonNullGraphType<CategoryEnumGraphType>)).Description("The category.");
        Field(x => x.Label).Description("Category name in the child's language when known.");
        Field<NearbyServiceGraphType>("best").Resolve(ctx => ctx.Source.Best);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<NearbyServiceGraphType>>>>("alternatives").Resolve(ctx => ctx.Source.Alternatives);
        Field(x => x.Note, nullable: true).Description("Why there is no option, when there is none.");
    }
}
