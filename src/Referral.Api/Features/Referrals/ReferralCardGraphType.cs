using GraphQL.Types;

namespace Referral.Api.Features.Referrals;

/// <summary>GraphQL view of <see cref="ReferralCardResponse"/> (REST <c>GET /api/referral</c>).</summary>
internal sealed class ReferralCardGraphType : ObjectGraphType<ReferralCardResponse>
{
    public ReferralCardGraphType()
    {
        Name = "ReferralCard";
        Description = "The one call a helpline app needs: the best option per category, alternatives, and remote channels.";
        Field<NonNullGraphType<GeoPointGraphType>>("origin").Resolve(ctx => ctx.Source.Origin);
        Field(x => x.At);
        Field<NonNullGraphType<ReferralProfileGraphType>>("profile").Resolve(ctx => ctx.Source.Profile);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("regionCodes").Resolve(ctx => ctx.Source.RegionCodes);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<ReferralCategoryGraphType>>>>("categories").Resolve(ctx => ctx.Source.Categories);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RemoteServiceGraphType>>>>("remote").Resolve(ctx => ctx.Source.Remote);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RemoteServiceGraphType>>>>("platformChannels")
            .Description("Reporting channels and hotlines that act on the platform where the abuse happened.")
            .Resolve(ctx => ctx.Source.PlatformChannels);
        Field(x => x.Notice);
        Field(x => x.Country, nullable: true).Description("The origin's country (the outline its point is in); null outside every outline.");
        Field(x => x.SameCountry).Description("Whether in-person options were kept to the origin's country.");
        Field(x => x.Note, nullable: true).Description("About borders: an origin outside every outline.");
    }
}
