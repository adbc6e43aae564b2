using GraphQL.Types;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Referrals;

internal sealed class ReferralProfileInputGraphType : InputObjectGraphType<ReferralProfile>
{
    public ReferralProfileInputGraphType()
    {
        Name = "ReferralProfileInput";
        Description = "The child: age and gender decide eligibility; language and audience are preferences that rank options.";
        Field<IntGraphType>("age");
        Field<GenderEnumGraphType>("gender").Description("The child's gender, checked against each service's genders.");
        Field<StringGraphType>("language").Description("ISO 639 language the child speaks; also picks the category labels (en, es, pt, fr).");
        Field<AudienceEnumGraphType>("audience").Description("Who is asking.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new ReferralProfile(
        value.TryGetValue("age", out var age) ? age as int? : null,
        value.TryGetValue("gender", out var gender) ? gender as string : null,
        value.TryGetValue("language", out var language) ? language as string : null,
        value.TryGetValue("audience", out var audience) ? audience as string : null,
        Platform: null);
}
