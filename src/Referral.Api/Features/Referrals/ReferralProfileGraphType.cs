using GraphQL.Types;

namespace Referral.Api.Features.Referrals;

internal sealed class ReferralProfileGraphType : ObjectGraphType<ReferralProfile>
{
    public ReferralProfileGraphType()
    {
        Name = "ReferralProfile";
        Description = "The profile the card was made for, as understood (normalised).";
        Field(x => x.Age, nullable: true);
        Field(x => x.Gender, nullable: true);
        Field(x => x.Language, nullable: true);
        Field(x => x.Audience, nullable: true);
        Field(x => x.Platform, nullable: true);
    }
}
