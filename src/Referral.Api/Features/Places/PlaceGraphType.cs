using GraphQL.Types;

namespace Referral.Api.Features.Places;

internal sealed class PlaceGraphType : ObjectGraphType<PlaceDocument>
{
    public PlaceGraphType()
    {
        Name = "Place";
        Description = "A gazetteer town (GeoNames, CC BY 4.0), to search near a named place instead of coordinates.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.GeonamesId);
        Field(x => x.Name);
        Field(x => x.Country).Description("ISO 3166-1 alpha-2.");
        Field(x => x.RegionCode, nullable: true);
        Field(x => x.FeatureCode, nullable: true);
        Field<NonNullGraphType<IntGraphType>>("population").Resolve(ctx => (int)Math.Min(ctx.Source.Population, int.MaxValue));
        Field(x => x.Latitude);
        Field(x => x.Longitude);
    }
}
