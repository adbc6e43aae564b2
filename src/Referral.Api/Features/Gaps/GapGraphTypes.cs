using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Referral.Api.Features.Demand;
using Referral.Api.GraphQL;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// GraphQL for gap analysis: the same documents as REST (<see cref="GapAnalysisDocument"/> …), in camelCase.
/// The root fields are added by <see cref="GapGraphFields"/>: <c>GapGraphFields.AddQueries(this)</c> in the
/// <c>QueryType</c> constructor and <c>GapGraphFields.AddMutations(this)</c> in the <c>MutationType</c> constructor.
/// </summary>
internal static class GapGraphFields
{
    /// <summary><c>gapAnalysis(id)</c>, <c>gapAnalyses(first, after, datasetId)</c> and <c>demandDatasets</c>.</summary>
    public static void AddQueries(ObjectGraphType query)
    {
        query.Field<GapAnalysisGraphType>("gapAnalysis")
            .Description("A gap analysis: status and progress, then its results (REST: GET /api/gap_analyses/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<GapQueries>()
                .FindAsync(ctx.GetRequiredGuid("id"), withResults: true, ctx.CancellationToken)
                    ?? throw GraphQLErrors.NotFound("gap analysis", ctx.GetRequiredGuid("id")));

        query.Field<NonNullGraphType<ConnectionType<GapAnalysisGraphType>>>("gapAnalyses")
            .Description("Gap analyses, newest first, without their results (REST: GET /api/gap_analyses).")
            .Argument<IdGraphType>("datasetId", "Only analyses of this demand dataset.")
            .Paged()
            .ResolveAsync(async ctx =>
            {
                var errors = new Dictionary<string, string[]>();
                var dataset = ctx.GetGuid("datasetId", errors);
                var (skip, first) = Connections.Window(ctx, "gap_analysis", errors);
                if (errors.Count > 0)
                {
                    throw GraphQLErrors.Validation(errors);
                }
                var queries = ctx.RequestServices!.GetRequiredService<GapQueries>();
                return await Connections.PageAsync("gap_analysis", skip, first, page => queries.ListAsync(dataset, page, ctx.CancellationToken));
            });

        query.Field<NonNullGraphType<ListGraphType<NonNullGraphType<DemandDatasetGraphType>>>>("demandDatasets")
            .Description("Demand datasets (settlements with population) to analyse (REST: GET /api/demand_datasets).")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<DemandQueries>().ListAsync(ctx.CancellationToken));
    }

    /// <summary><c>startGapAnalysis(input)</c>: REST's POST /api/gap_analyses, behind the same write policy.</summary>
    public static void AddMutations(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<GapAnalysisGraphType>>("startGapAnalysis")
            .Description("Start a gap analysis (REST: POST /api/gap_analyses). Small analyses come back finished; larger ones come back " +
                "queued: poll `gapAnalysis(id)` for progress. Results for the same inputs are reused unless `force` is set.")
            .Argument<NonNullGraphType<GapAnalysisInputGraphType>>("input")
            .ResolveAsync(async ctx =>
            {
                await WriteAccess.EnsureAsync(ctx, Authorization.PlanningPolicy);
                var start = await ctx.RequestServices!.GetRequiredService<GapService>()
                    .StartAsync(ctx.GetArgument<GapAnalysisRequest>("input"), GapRunMode.Auto, null, ctx.CancellationToken);
                return start.Status switch
                {
                    GapStartStatus.Invalid => throw GraphQLErrors.Validation(start.Errors!),
                    GapStartStatus.TooMany => throw GraphQLErrors.Of(ErrorCodes.TooManyAnalyses, start.Detail!),
                    _ => start.Analysis,
                };
            });
        mutation.Field<NonNullGraphType<GapAnalysisGraphType>>("cancelGapAnalysis")
            .Description("Cancel a queued or running gap analysis (REST: POST /api/gap_analyses/{id}/cancel); its owner or an admin.")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx =>
            {
                await WriteAccess.EnsureAsync(ctx, Authorization.PlanningPolicy);
                var id = ctx.GetArgument<Guid>("id");
                var outcome = await ctx.RequestServices!.GetRequiredService<GapService>().CancelAsync(id, ctx.CancellationToken);
                return outcome switch
                {
                    GapCancel.Cancelled => await ctx.RequestServices!.GetRequiredService<GapQueries>().FindAsync(id, withResults: false, ctx.CancellationToken),
                    GapCancel.Forbidden => throw GraphQLErrors.Of(ErrorCodes.Forbidden, "Only the analysis's owner or an admin may cancel it."),
                    GapCancel.Finished => throw GraphQLErrors.Of(ErrorCodes.Conflict, "The analysis has already finished."),
                    _ => throw GraphQLErrors.Of(ErrorCodes.NotFound, $"No gap analysis with id {id}."),
                };
            });
    }
}

internal sealed class GapAnalysisInputGraphType : InputObjectGraphType<GapAnalysisRequest>
{
    public GapAnalysisInputGraphType()
    {
        Name = "GapAnalysisInput";
        Description = "What to analyse; every field but the dataset is optional (defaults as in REST).";
        Field<IdGraphType>("datasetId").Description("The demand dataset's id (or give its name in `dataset`).");
        Field<StringGraphType>("dataset").Description("The demand dataset's name.");
        Field<ListGraphType<NonNullGraphType<CategoryEnumGraphType>>>("categories").Description("Referral categories; default all.");
        Field<ListGraphType<NonNullGraphType<FloatGraphType>>>("thresholdsKm").Description("Distance thresholds in km; default 5, 10, 25, 50.");
        Field<FloatGraphType>("catchmentKm").Description("2SFCA catchment in km; default 30.");
        Field<StringGraphType>("decay").Description("2SFCA decay: none, gaussian or e2sfca.");
        Field<FloatGraphType>("fcaCellKm").Description("2SFCA grid cell in km (0 = exact).");
        Field<ListGraphType<NonNullGraphType<CategoryEnumGraphType>>>("areaCategories").Description("Categories served by area; default HELPLINE, ONLINE_REPORTING.");
        Field<FloatGraphType>("targetKm").Description("Gap rule distance in km; default 25.");
        Field<FloatGraphType>("targetShare").Description("Gap rule share (0–1); default 0.8.");
        Field<IntGraphType>("worstN").Description("Worst-served settlements per group; default 5.");
        Field<IntGraphType>("regionLevel").Description("Group by regions of this level.");
        Field<IntGraphType>("urbanCentreMinPopulation").Description("Class threshold; default 50,000.");
        Field<IntGraphType>("urbanClusterMinPopulation").Description("Class threshold; default 5,000.");
        Field<BooleanGraphType>("travelTime").Description("Add the travel-time estimate with default speeds.");
        Field<FloatGraphType>("detourFactor").Description("Travel-time detour factor (implies travelTime).");
        Field<IntGraphType>("age");
        Field<StringGraphType>("language");
        Field<GenderEnumGraphType>("gender");
        Field<BooleanGraphType>("sameCountry").Description("Nearest sites in the settlement's own country only (default true).");
        Field<BooleanGraphType>("background").Description("Queue it even when small.");
        Field<BooleanGraphType>("force").Description("Recompute even when results for the same inputs exist.");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        var centre = Get<int?>(value, "urbanCentreMinPopulation");
        var cluster = Get<int?>(value, "urbanClusterMinPopulation");
        var detour = Number(value, "detourFactor");
        return new GapAnalysisRequest
        {
            DatasetId = Get<string>(value, "datasetId") is { } id ? (Guid.TryParse(id, out var g) ? g : Guid.Empty) : null,
            Dataset = Get<string>(value, "dataset"),
            Categories = Strings(value, "categories"),
            ThresholdsKm = value.TryGetValue("thresholdsKm", out var t) && t is IEnumerable<object?> list ? [.. list.Select(x => Convert.ToDouble(x, System.Globalization.CultureInfo.InvariantCulture))] : null,
            CatchmentKm = Number(value, "catchmentKm"),
            Decay = Get<string>(value, "decay"),
            FcaCellKm = Number(value, "fcaCellKm"),
            AreaCategories = Strings(value, "areaCategories"),
            TargetKm = Number(value, "targetKm"),
            TargetShare = Number(value, "targetShare"),
            WorstN = Get<int?>(value, "worstN"),
            RegionLevel = Get<int?>(value, "regionLevel"),
            SettlementThresholds = centre is null && cluster is null ? null : new GapSettlementThresholds(centre, cluster),
            TravelTime = Get<bool?>(value, "travelTime") == true || detour is not null ? new GapTravelRequest(detour) : null,
            Age = Get<int?>(value, "age"),
            Language = Get<string>(value, "language"),
            Gender = Get<string>(value, "gender"),
            SameCountry = Get<bool?>(value, "sameCountry"),
            Background = Get<bool?>(value, "background"),
            Force = Get<bool?>(value, "force"),
        };
    }

    private static T? Get<T>(IDictionary<string, object?> value, string name) => value.TryGetValue(name, out var v) && v is T t ? t : default;

    private static double? Number(IDictionary<string, object?> value, string name) =>
        value.TryGetValue(name, out var v) && v is not null ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static string[]? Strings(IDictionary<string, object?> value, string name) =>
        value.TryGetValue(name, out var v) && v is IEnumerable<object?> list ? [.. list.OfType<string>()] : null;
}

internal sealed class GapAnalysisGraphType : ObjectGraphType<GapAnalysisDocument>
{
    public GapAnalysisGraphType()
    {
        Name = "GapAnalysis";
        Description = "Where is help missing? One analysis of a demand dataset: status and progress, then its results.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Status, type: typeof(NonNullGraphType<JobStatusEnumGraphType>)).Description("Queued, running, succeeded or failed.");
        Field(x => x.ProgressPercent);
        Field(x => x.Stage, nullable: true);
        Field<NonNullGraphType<GapDatasetRefGraphType>>("dataset").Resolve(ctx => ctx.Source.Dataset);
        Field<NonNullGraphType<GapOptionsGraphType>>("options").Resolve(ctx => ctx.Source.Options);
        Field(x => x.InputHash).Description("SHA-256 of everything the results depend on; equal hashes mean reusable results.");
        Field(x => x.CreatedAt);
        Field(x => x.StartedAt, nullable: true);
        Field(x => x.FinishedAt, nullable: true);
        Field(x => x.DurationS, nullable: true);
        Field(x => x.Error, nullable: true);
        Field<NonNullGraphType<GapLinksGraphType>>("links").Resolve(ctx => ctx.Source.Links);
        Field<GapResultsGraphType>("results").Description("Present once succeeded.").Resolve(ctx => ctx.Source.Results);
    }
}

internal sealed class GapDatasetRefGraphType : ObjectGraphType<GapDatasetRef>
{
    public GapDatasetRefGraphType()
    {
        Name = "GapDatasetRef";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Name);
        Field<NonNullGraphType<StringGraphType>>("version").Description("The dataset version analysed (a 64-bit counter, as a string).")
            .Resolve(ctx => ctx.Source.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

internal sealed class GapLinksGraphType : ObjectGraphType<GapLinks>
{
    public GapLinksGraphType()
    {
        Name = "GapLinks";
        Description = "REST URLs of the analysis and its exports (CSV table, GeoJSON points and regions).";
        Field(x => x.Self);
        Field(x => x.Table, nullable: true);
        Field(x => x.Points, nullable: true);
        Field(x => x.Regions, nullable: true);
    }
}

internal sealed class GapOptionsGraphType : ObjectGraphType<GapOptions>
{
    public GapOptionsGraphType()
    {
        Name = "GapOptions";
        Description = "The normalised options the analysis ran with.";
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CategoryEnumGraphType>>>>("categories").Resolve(ctx => ctx.Source.Categories);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<FloatGraphType>>>>("thresholdsKm").Resolve(ctx => ctx.Source.ThresholdsKm);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<CategoryEnumGraphType>>>>("areaCategories").Resolve(ctx => ctx.Source.AreaCategories);
        Field(x => x.CatchmentKm);
        Field(x => x.Decay);
        Field(x => x.FcaCellKm);
        Field(x => x.TargetKm);
        Field(x => x.TargetShare);
        Field(x => x.WorstN);
        Field(x => x.RegionLevel, nullable: true);
        Field<NonNullGraphType<FloatGraphType>>("urbanCentreMinPopulation").Resolve(ctx => (double)ctx.Source.UrbanCentreMinPopulation);
        Field<NonNullGraphType<FloatGraphType>>("urbanClusterMinPopulation").Resolve(ctx => (double)ctx.Source.UrbanClusterMinPopulation);
        Field<GapTravelRuleGraphType>("travelTime").Resolve(ctx => ctx.Source.TravelTime is { } t
            ? new GapTravelRule(true, "Estimate: straight-line distance × detour ÷ class speed.", t.DetourFactor, t.UrbanCentreKmh, t.UrbanClusterKmh, t.RuralKmh)
            : null);
        Field(x => x.Age, nullable: true);
        Field(x => x.Language, nullable: true);
        Field(x => x.Gender, type: typeof(GenderEnumGraphType));
        Field(x => x.SameCountry).Description("Nearest sites in the settlement's own country only.");
    }
}

internal sealed class GapResultsGraphType : ObjectGraphType<GapResults>
{
    public GapResultsGraphType()
    {
        Name = "GapResults";
        Field<NonNullGraphType<GapRulesGraphType>>("rules").Resolve(ctx => ctx.Source.Rules);
        Field<NonNullGraphType<GapTotalsGraphType>>("totals").Resolve(ctx => ctx.Source.Totals);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapCategorySummaryGraphType>>>>("summary")
            .Description("Per category: urban and rural side by side, and rural ÷ urban.").Resolve(ctx => ctx.Source.Summary);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapGroupGraphType>>>>("groups")
            .Description("Region × settlement class × category ('all' marks a rollup); filter with the arguments.")
            .Argument<StringGraphType>("regionCode")
            .Argument<StringGraphType>("settlementClass")
            .Argument<StringGraphType>("category")
            .Resolve(ctx =>
            {
                var region = ctx.GetArgument<string?>("regionCode");
                var cls = ctx.GetArgument<string?>("settlementClass");
                var category = ctx.GetArgument<string?>("category");
                return ctx.Source.Groups.Where(g =>
                    (region is null || g.RegionCode == region) && (cls is null || g.SettlementClass == cls) && (category is null || g.Category == category));
            });
    }
}

internal sealed class GapRulesGraphType : ObjectGraphType<GapRules>
{
    public GapRulesGraphType()
    {
        Name = "GapRules";
        Description = "Every rule the figures follow, in words and numbers.";
        Field(x => x.Distance);
        Field<NonNullGraphType<GapClassRuleGraphType>>("settlementClass").Resolve(ctx => ctx.Source.SettlementClass);
        Field(x => x.Region);
        Field(x => x.Weighting);
        Field(x => x.Percentiles);
        Field(x => x.ServicesPer100k);
        Field<NonNullGraphType<GapFcaRuleGraphType>>("twoStepFca").Resolve(ctx => ctx.Source.TwoStepFca);
        Field(x => x.Gap);
        Field(x => x.WorstServed);
        Field(x => x.UrbanRural);
        Field<GapTravelRuleGraphType>("travelTime").Resolve(ctx => ctx.Source.TravelTime);
        Field(x => x.Coverage).Description("When a service area covers a settlement: by its point, or by a region code the directory knows.");
        Field(x => x.Borders).Description("Whether nearest sites are sought in the settlement's own country, and how its country is found.");
    }
}

internal sealed class GapClassRuleGraphType : ObjectGraphType<GapClassRule>
{
    public GapClassRuleGraphType()
    {
        Name = "GapClassRule";
        Field(x => x.Text);
        Field<NonNullGraphType<FloatGraphType>>("urbanCentreMinPopulation").Resolve(ctx => (double)ctx.Source.UrbanCentreMinPopulation);
        Field<NonNullGraphType<FloatGraphType>>("urbanClusterMinPopulation").Resolve(ctx => (double)ctx.Source.UrbanClusterMinPopulation);
        Field(x => x.Given).Description("Settlements whose class was given.");
        Field(x => x.Derived).Description("Settlements whose class was derived from population.");
        Field(x => x.Unclassified);
    }
}

internal sealed class GapFcaRuleGraphType : ObjectGraphType<GapFcaRule>
{
    public GapFcaRuleGraphType()
    {
        Name = "GapFcaRule";
        Field(x => x.Text);
        Field(x => x.CatchmentKm);
        Field(x => x.Decay);
        Field(x => x.CellKm);
        Field(x => x.Capacity);
    }
}

internal sealed class GapTravelRuleGraphType : ObjectGraphType<GapTravelRule>
{
    public GapTravelRuleGraphType()
    {
        Name = "GapTravelRule";
        Field(x => x.Estimate).Description("Always true: a straight-line estimate, not a network travel time.");
        Field(x => x.Text);
        Field(x => x.DetourFactor);
        Field(x => x.UrbanCentreKmh);
        Field(x => x.UrbanClusterKmh);
        Field(x => x.RuralKmh);
    }
}

internal sealed class GapTotalsGraphType : ObjectGraphType<GapTotals>
{
    public GapTotalsGraphType()
    {
        Name = "GapTotals";
        Field(x => x.Settlements);
        Field<FloatGraphType>("population").Resolve(ctx => (double?)ctx.Source.Population);
        Field(x => x.Regions);
        Field(x => x.Weighting).Description("population, or settlements for a dataset without population.");
    }
}

internal sealed class GapCategorySummaryGraphType : ObjectGraphType<GapCategorySummary>
{
    public GapCategorySummaryGraphType()
    {
        Name = "GapCategorySummary";
        Description = "The planner's headline for one category.";
        Field(x => x.Category, type: typeof(NonNullGraphType<CategoryEnumGraphType>));
        Field(x => x.Label);
        Field(x => x.Mode).Description("in_person, or area for categories served by area (helplines, online reporting).");
        Field(x => x.Sites).Description("In-person services (service-at-locations) of the category.");
        Field(x => x.AreaServices).Description("Services of the category that take part (their service areas count as coverage).");
        Field<NonNullGraphType<GapMetricsGraphType>>("all").Resolve(ctx => ctx.Source.All);
        Field<NonNullGraphType<GapMetricsGraphType>>("urban").Resolve(ctx => ctx.Source.Urban);
        Field<NonNullGraphType<GapMetricsGraphType>>("rural").Resolve(ctx => ctx.Source.Rural);
        Field<NonNullGraphType<GapRatiosGraphType>>("ruralToUrban").Resolve(ctx => ctx.Source.RuralToUrban);
        Field(x => x.Headline);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapSettlementGraphType>>>>("worstServed").Resolve(ctx => ctx.Source.WorstServed);
    }
}

internal sealed class GapGroupGraphType : ObjectGraphType<GapGroup>
{
    public GapGroupGraphType()
    {
        Name = "GapGroup";
        Field(x => x.RegionCode).Description("A region code, 'all' or 'unassigned'.");
        Field(x => x.RegionName, nullable: true);
        Field(x => x.SettlementClass).Description("urban_centre, urban_cluster, rural, unclassified, urban (centres + clusters) or all.");
        Field(x => x.Category);
        Field<NonNullGraphType<GapMetricsGraphType>>("metrics").Resolve(ctx => ctx.Source.Metrics);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapSettlementGraphType>>>>("worstServed").Resolve(ctx => ctx.Source.WorstServed);
    }
}

internal sealed class GapMetricsGraphType : ObjectGraphType<GapMetrics>
{
    public GapMetricsGraphType()
    {
        Name = "GapMetrics";
        Description = "Figures of one group; distances in metres on the ellipsoid. Mean, median and p90 are population-weighted; "
            + "the *Settlements median and p90 count each settlement once.";
        Field(x => x.Settlements);
        Field(x => x.Weight);
        Field<FloatGraphType>("population").Resolve(ctx => (double?)ctx.Source.Population);
        Field(x => x.MeanDistanceM, nullable: true).Description("Population-weighted mean.");
        Field(x => x.MedianDistanceM, nullable: true).Description("Population-weighted median: half the people live nearer.");
        Field(x => x.P90DistanceM, nullable: true).Description("Population-weighted 90th percentile.");
        Field(x => x.MedianDistanceMSettlements, nullable: true)
            .Description("Unweighted median over settlements (each counts once; an even count takes the mean of the two middle values).");
        Field(x => x.P90DistanceMSettlements, nullable: true).Description("Unweighted 90th percentile over settlements (linear between ranks).");
        Field(x => x.MaxDistanceM, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapShareGraphType>>>>("within").Resolve(ctx => ctx.Source.Within);
        Field(x => x.CoveredShare, nullable: true);
        Field(x => x.ServedShare, nullable: true);
        Field(x => x.Services);
        Field(x => x.ServicesPer100k, nullable: true);
        Field(x => x.AccessibilityPer100k, nullable: true).Description("2SFCA: services per 100,000 people within reach.");
        Field<GapTravelTimeGraphType>("travelMinutes").Resolve(ctx => ctx.Source.TravelMinutes);
        Field(x => x.Gap, nullable: true);
    }
}

internal sealed class GapShareGraphType : ObjectGraphType<GapShare>
{
    public GapShareGraphType()
    {
        Name = "GapShare";
        Field(x => x.Km);
        Field(x => x.Share, nullable: true);
    }
}

internal sealed class GapTravelTimeGraphType : ObjectGraphType<GapTravelTime>
{
    public GapTravelTimeGraphType()
    {
        Name = "GapTravelTime";
        Description = "Minutes, estimated from straight-line distance (see rules.travelTime).";
        Field(x => x.Estimate);
        Field(x => x.Mean, nullable: true);
        Field(x => x.Median, nullable: true);
        Field(x => x.P90, nullable: true);
    }
}

internal sealed class GapRatiosGraphType : ObjectGraphType<GapRatios>
{
    public GapRatiosGraphType()
    {
        Name = "GapRatios";
        Description = "Rural ÷ urban for each figure.";
        Field(x => x.MeanDistance, nullable: true);
        Field(x => x.MedianDistance, nullable: true);
        Field(x => x.P90Distance, nullable: true);
        Field(x => x.MedianDistanceSettlements, nullable: true);
        Field(x => x.P90DistanceSettlements, nullable: true);
        Field(x => x.MaxDistance, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapShareGraphType>>>>("within").Resolve(ctx => ctx.Source.Within);
        Field(x => x.CoveredShare, nullable: true);
        Field(x => x.ServedShare, nullable: true);
        Field(x => x.ServicesPer100k, nullable: true);
        Field(x => x.AccessibilityPer100k, nullable: true);
        Field(x => x.TravelMinutesMean, nullable: true);
    }
}

internal sealed class GapSettlementGraphType : ObjectGraphType<GapSettlement>
{
    public GapSettlementGraphType()
    {
        Name = "GapSettlement";
        Field("demandPointId", x => x.DemandPointId, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Name);
        Field(x => x.RegionCode, nullable: true);
        Field(x => x.SettlementClass).Description("The group's class (urban/rural as derived, or all).");
        Field(x => x.SourceClass, nullable: true).Description("The class the dataset gave the settlement (village, hamlet, urban_centre, …), kept beside the derived one.");
        Field<FloatGraphType>("population").Resolve(ctx => (double?)ctx.Source.Population);
        Field(x => x.DistanceM, nullable: true);
        Field(x => x.Covered);
        Field(x => x.Latitude);
        Field(x => x.Longitude);
    }
}

internal sealed class DemandDatasetGraphType : ObjectGraphType<DemandDatasetDocument>
{
    public DemandDatasetGraphType()
    {
        Name = "DemandDataset";
        Description = "Where people live: settlements with population, for gap analysis.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Name);
        Field(x => x.Description, nullable: true);
        Field(x => x.Source, nullable: true);
        Field(x => x.License, nullable: true);
        Field(x => x.IsDemo);
        Field<NonNullGraphType<StringGraphType>>("version").Resolve(ctx => ctx.Source.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(x => x.CreatedAt);
        Field(x => x.UpdatedAt, nullable: true);
        Field(x => x.Settlements);
        Field<FloatGraphType>("population").Resolve(ctx => (double?)ctx.Source.Population);
        Field(x => x.WithPopulation);
        Field(x => x.WithClass);
        Field(x => x.WithRegionCode);
    }
}
