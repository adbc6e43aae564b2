using GraphQL.Types;

namespace Referral.Api.Features.Referrals;

/// <summary>GraphQL view of <see cref="NearestResponse"/> (REST <c>GET /api/nearest</c>).</summary>
internal sealed class NearestResultGraphType : ObjectGraphType<NearestResponse>
{
    public NearestResultGraphType()
    {
        Name = "NearestResult";
        Description = "The nearest matching services, and beside them the remote ones that cover the point.";
        Field<NonNullGraphType<GeoPointGraphType>>("origin").Resolve(ctx => ctx.Source.Origin);
        Field(x => x.At).Description("The moment opening hours were evaluated at.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>>("regionCodes").Resolve(ctx => ctx.Source.RegionCodes);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<NearbyServiceGraphType>>>>("results")
            .Description("Nearest first.").Resolve(ctx => ctx.Source.Results);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<RemoteServiceGraphType>>>>("remote")
            .Description("Helplines and online channels whose service area covers the point.").Resolve(ctx => ctx.Source.Remote);
        Field(x => x.Country, nullable: true).Description("The origin's country (the outline its point is in); null outside every outline.");
        Field(x => x.SameCountry).Description("Whether results were kept to the origin's country.");
        Field(x => x.Note, nullable: true).Description("About borders: a much nearer site abroad, or an origin outside every outline.");
    }
}
