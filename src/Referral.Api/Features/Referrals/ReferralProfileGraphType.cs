using GraphQL.Types;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Referrals;

internal sealed class ReferralProfileGraphType : ObjectGraphType<ReferralProfile>
{
    public ReferralProfileGraphType()
    {
        Name = "ReferralProfile";
        Description = "The profile the card was made for, as understood (normalised).";
        Field(x => x.Age, nullable: true);
        Field(x => x.Gender, type: typeof(GenderEnumGraphType));
        Field(x => x.Language, nullable: true);
        Field(x => x.Audience, type: typeof(AudienceEnumGraphType));
        Field(x => x.Platform, type: typeof(PlatformEnumGraphType));
    }
}
