namespace Referral.Api.Features.Gaps;

/// <summary>Which services take part for one category: in-person sites (by their locations) and service areas.</summary>
internal sealed record GapCategoryInput(string Code, string Label, bool IsArea, Guid[] SiteServiceIds, Guid[] AreaServiceIds);

/// <summary>
/// Everything the SQL of one analysis needs, resolved once before the parallel work starts. <see cref="RegionCodes"/> maps
/// each region code of the dataset the directory knows (in any scheme <see cref="Regions.RegionCodes"/> reads) to its code.
/// </summary>
internal sealed record GapPlan(
    Guid AnalysisId,
    Guid DatasetId,
    string ConnectionString,
    GapOptions Options,
    IReadOnlyList<GapCategoryInput> Categories,
    int Settlements,
    long MinSeq,
    long MaxSeq,
    bool ByPopulation,
    IReadOnlyDictionary<string, string> RegionCodes,
    Regions.RegionCodeReport RegionCodeReport)
{
    /// <summary>Grid cell of the 2SFCA step in degrees (≈ km ÷ 111.32; narrower east–west away from the equator); 0 = exact.</summary>
    public double CellDegrees => Options.FcaCellKm <= 0 ? 0 : Options.FcaCellKm / 111.32;

    public double CatchmentM => Options.CatchmentKm * 1000;
}
