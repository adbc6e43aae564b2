using GraphQL.Types;

namespace Referral.Api.Features.Regions;

internal sealed class RegionGraphType : ObjectGraphType<RegionDocument>
{
    public RegionGraphType()
    {
        Name = "Region";
        Description = "A country (level 0), province (level 1) or a planner's own area.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Code);
        Field(x => x.Name);
        Field(x => x.Level);
        Field(x => x.ParentCode, nullable: true);
        Field<IntGraphType>("population").Resolve(ctx => ctx.Source.Population is { } p ? (int)Math.Min(p, int.MaxValue) : null);
        Field(x => x.AreaClass, nullable: true).Description("urban | rural | mixed.");
        Field(x => x.Source, nullable: true);
        Field<StringGraphType>("geometry")
            .Description("The outline as a GeoJSON string (regions(withGeometry: true) or region(code)).")
            .Resolve(ctx => ctx.Source.Geometry?.GetRawText());
    }
}
