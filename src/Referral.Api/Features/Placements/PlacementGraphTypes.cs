using System.Globalization;
using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Referral.Api.Features.Gaps;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Placements;

/// <summary>
/// GraphQL for placements: the same documents as REST, in camelCase. Root fields: <c>PlacementGraphFields.AddQueries(this)</c>
/// in the <c>QueryType</c> constructor and <c>PlacementGraphFields.AddMutations(this)</c> in the <c>MutationType</c> constructor.
/// </summary>
internal static class PlacementGraphFields
{
    public static void AddQueries(ObjectGraphType query)
    {
        query.Field<PlacementGraphType>("placement")
            .Description("A placement: status and progress, then its results (REST: GET /api/placements/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<PlacementQueries>()
                .FindAsync(ctx.GetRequiredGuid("id"), ctx.CancellationToken)
                    ?? throw GraphQLErrors.NotFound("placement", ctx.GetRequiredGuid("id")));

        query.Field<NonNullGraphType<ConnectionType<PlacementGraphType>>>("placements")
            .Description("Placements, newest first, without their results (REST: GET /api/placements).")
            .Argument<IdGraphType>("datasetId", "Only placements over this demand dataset.")
            .Paged()
            .ResolveAsync(async ctx =>
            {
                var errors = new Dictionary<string, string[]>();
                var dataset = ctx.GetGuid("datasetId", errors);
                var (skip, first) = Connections.Window(ctx, "placement", errors);
                if (errors.Count > 0)
                {
                    throw GraphQLErrors.Validation(errors);
                }
                var queries = ctx.RequestServices!.GetRequiredService<PlacementQueries>();
                return await Connections.PageAsync("placement", skip, first, page => queries.ListAsync(dataset, page, ctx.CancellationToken));
            });
    }

    public static void AddMutations(ObjectGraphType mutation)
    {
        mutation.Field<NonNullGraphType<PlacementGraphType>>("startPlacement")
            .Description("Where should k new sites go? (REST: POST /api/placements). Small placements come back finished; larger ones queued: " +
                "poll `placement(id)`. Results for the same inputs are reused unless `force` is set.")
            .Argument<NonNullGraphType<PlacementInputGraphType>>("input")
            .ResolveAsync(async ctx =>
            {
                await PlacementAccess.EnsureAsync(ctx);
                var start = await ctx.RequestServices!.GetRequiredService<PlacementService>()
                    .StartAsync(ctx.GetArgument<PlacementRequest>("input"), GapRunMode.Auto, null, ctx.CancellationToken);
                return start.Status switch
                {
                    GapStartStatus.Invalid => throw GraphQLErrors.Validation(start.Errors!),
                    GapStartStatus.TooMany => throw GraphQLErrors.Of(Infrastructure.ErrorCodes.TooManyAnalyses, start.Detail!),
                    _ => start.Placement,
                };
            });
    }
}

internal sealed class PlacementInputGraphType : InputObjectGraphType<PlacementRequest>
{
    public PlacementInputGraphType()
    {
        Name = "PlacementInput";
        Description = "What to place; the dataset and the category are required (defaults as in REST).";
        Field<IdGraphType>("datasetId");
        Field<StringGraphType>("dataset");
        Field<NonNullGraphType<CategoryEnumGraphType>>("category").Description("In-person referral category, e.g. POLICE.");
        Field<IntGraphType>("k").Description("New sites, 1–50; default 3.");
        Field<StringGraphType>("objective").Description("coverage (default) or median.");
        Field<FloatGraphType>("targetKm");
        Field<FloatGraphType>("targetMinutes").Description("With travelTime: the coverage target in estimated minutes; default 30.");
        Field<ListGraphType<NonNullGraphType<FloatGraphType>>>("thresholdsKm");
        Field<StringGraphType>("candidates").Description("settlements (default), grid or points.");
        Field<FloatGraphType>("cellKm");
        Field<ListGraphType<NonNullGraphType<PlacementPointInputGraphType>>>("points");
        Field<FloatGraphType>("minSpacingKm");
        Field<ListGraphType<NonNullGraphType<StringGraphType>>>("withinRegions");
        Field<FloatGraphType>("reachKm");
        Field<BooleanGraphType>("travelTime").Description("Use the travel-time estimate with the default speeds.");
        Field<FloatGraphType>("detourFactor").Description("Travel-time detour factor (implies travelTime).");
        Field<IntGraphType>("age");
        Field<StringGraphType>("language");
        Field<GenderEnumGraphType>("gender");
        Field<BooleanGraphType>("background");
        Field<BooleanGraphType>("force");
    }

    public override object ParseDictionary(IDictionary<string, object?> value)
    {
        var detour = Number(value, "detourFactor");
        return new PlacementRequest
        {
            DatasetId = Get<string>(value, "datasetId") is { } id ? (Guid.TryParse(id, out var g) ? g : Guid.Empty) : null,
            Dataset = Get<string>(value, "dataset"),
            Category = Get<string>(value, "category"),
            K = Get<int?>(value, "k"),
            Objective = Get<string>(value, "objective"),
            TargetKm = Number(value, "targetKm"),
            TargetMinutes = Number(value, "targetMinutes"),
            ThresholdsKm = value.TryGetValue("thresholdsKm", out var t) && t is IEnumerable<object?> list
                ? [.. list.Select(x => Convert.ToDouble(x, CultureInfo.InvariantCulture))] : null,
            Candidates = Get<string>(value, "candidates"),
            CellKm = Number(value, "cellKm"),
            Points = value.TryGetValue("points", out var p) && p is IEnumerable<object?> points ? [.. points.OfType<PlacementPoint>()] : null,
            MinSpacingKm = Number(value, "minSpacingKm"),
            WithinRegions = value.TryGetValue("withinRegions", out var r) && r is IEnumerable<object?> regions ? [.. regions.OfType<string>()] : null,
            ReachKm = Number(value, "reachKm"),
            TravelTime = Get<bool?>(value, "travelTime") == true || detour is not null ? new GapTravelRequest(detour) : null,
            Age = Get<int?>(value, "age"),
            Language = Get<string>(value, "language"),
            Gender = Get<string>(value, "gender"),
            Background = Get<bool?>(value, "background"),
            Force = Get<bool?>(value, "force"),
        };
    }

    private static T? Get<T>(IDictionary<string, object?> value, string name) => value.TryGetValue(name, out var v) && v is T t ? t : default;

    private static double? Number(IDictionary<string, object?> value, string name) =>
        value.TryGetValue(name, out var v) && v is not null ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : null;
}

internal sealed class PlacementPointInputGraphType : InputObjectGraphType<PlacementPoint>
{
    public PlacementPointInputGraphType()
    {
        Name = "PlacementPointInput";
        Field<StringGraphType>("name");
        Field<NonNullGraphType<FloatGraphType>>("latitude");
        Field<NonNullGraphType<FloatGraphType>>("longitude");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) => new PlacementPoint(
        value.TryGetValue("name", out var n) ? n as string : null,
        value.TryGetValue("latitude", out var lat) && lat is not null ? Convert.ToDouble(lat, CultureInfo.InvariantCulture) : null,
        value.TryGetValue("longitude", out var lng) && lng is not null ? Convert.ToDouble(lng, CultureInfo.InvariantCulture) : null);
}

internal sealed class PlacementGraphType : ObjectGraphType<PlacementDocument>
{
    public PlacementGraphType()
    {
        Name = "Placement";
        Description = "Where should the next sites go? One placement: status and progress, then its results.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Status, type: typeof(NonNullGraphType<JobStatusEnumGraphType>)).Description("Queued, running, succeeded or failed.");
        Field(x => x.ProgressPercent);
        Field(x => x.Stage, nullable: true);
        Field<NonNullGraphType<GapDatasetRefGraphType>>("dataset").Resolve(ctx => ctx.Source.Dataset);
        Field<NonNullGraphType<CategoryEnumGraphType>>("category").Resolve(ctx => ctx.Source.Options.Category);
        Field<NonNullGraphType<StringGraphType>>("objective").Resolve(ctx => ctx.Source.Options.Objective);
        Field<NonNullGraphType<IntGraphType>>("k").Resolve(ctx => ctx.Source.Options.K);
        Field(x => x.InputHash);
        Field("gapAnalysisId", x => x.GapAnalysisId, type: typeof(IdGraphType)).Description("The gap analysis that gives the 'before'.");
        Field(x => x.CreatedAt);
        Field(x => x.StartedAt, nullable: true);
        Field(x => x.FinishedAt, nullable: true);
        Field(x => x.DurationS, nullable: true);
        Field(x => x.Error, nullable: true);
        Field<NonNullGraphType<PlacementLinksGraphType>>("links").Resolve(ctx => ctx.Source.Links);
        Field<PlacementResultsGraphType>("results").Description("Present once succeeded.").Resolve(ctx => ctx.Source.Results);
    }
}

internal sealed class PlacementLinksGraphType : ObjectGraphType<PlacementLinks>
{
    public PlacementLinksGraphType()
    {
        Name = "PlacementLinks";
        Field(x => x.Self);
        Field(x => x.Csv, nullable: true);
        Field(x => x.Geojson, nullable: true);
        Field(x => x.GapAnalysis, nullable: true);
    }
}

internal sealed class PlacementResultsGraphType : ObjectGraphType<PlacementResults>
{
    public PlacementResultsGraphType()
    {
        Name = "PlacementResults";
        Field<NonNullGraphType<PlacementRulesGraphType>>("rules").Resolve(ctx => ctx.Source.Rules);
        Field<NonNullGraphType<PlacementTotalsGraphType>>("totals").Resolve(ctx => ctx.Source.Totals);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PlacementSiteGraphType>>>>("sites").Resolve(ctx => ctx.Source.Sites);
        Field<NonNullGraphType<PlacementSideGraphType>>("before").Resolve(ctx => ctx.Source.Before);
        Field<NonNullGraphType<PlacementSideGraphType>>("after").Resolve(ctx => ctx.Source.After);
        Field(x => x.Headline);
    }
}

internal sealed class PlacementRulesGraphType : ObjectGraphType<PlacementRules>
{
    public PlacementRulesGraphType()
    {
        Name = "PlacementRules";
        Field(x => x.Objective);
        Field(x => x.Guarantee).Description("Which approximation guarantee holds (or why none does).");
        Field(x => x.Distance);
        Field(x => x.Candidates);
        Field(x => x.Constraints);
        Field(x => x.Figures);
        Field<GapTravelRuleGraphType>("travelTime").Resolve(ctx => ctx.Source.TravelTime);
    }
}

internal sealed class PlacementTotalsGraphType : ObjectGraphType<PlacementTotals>
{
    public PlacementTotalsGraphType()
    {
        Name = "PlacementTotals";
        Field(x => x.Settlements);
        Field<FloatGraphType>("population").Resolve(ctx => (double?)ctx.Source.Population);
        Field(x => x.Weighting);
        Field(x => x.Candidates);
        Field(x => x.CandidatesReaching);
        Field<NonNullGraphType<FloatGraphType>>("pairs").Resolve(ctx => (double)ctx.Source.Pairs);
        Field(x => x.Chosen);
        Field(x => x.StoppedEarly);
        Field(x => x.Value);
        Field(x => x.GreedyValue);
        Field(x => x.Swaps);
        Field(x => x.Evaluations);
    }
}

internal sealed class PlacementSiteGraphType : ObjectGraphType<PlacementSite>
{
    public PlacementSiteGraphType()
    {
        Name = "PlacementSite";
        Field(x => x.Rank);
        Field(x => x.Name);
        Field(x => x.Latitude);
        Field(x => x.Longitude);
        Field(x => x.Source);
        Field("demandPointId", x => x.DemandPointId, type: typeof(IdGraphType));
        Field(x => x.RegionCode, nullable: true);
        Field(x => x.SettlementClass, nullable: true);
        Field(x => x.Gain).Description("People newly covered (coverage) or person-km / person-minutes saved (median), given the sites before it.");
        Field(x => x.Cumulative);
        Field<NonNullGraphType<PlacementStepGraphType>>("after").Resolve(ctx => ctx.Source.After);
    }
}

internal sealed class PlacementStepGraphType : ObjectGraphType<PlacementStep>
{
    public PlacementStepGraphType()
    {
        Name = "PlacementStep";
        Field(x => x.ServedShare, nullable: true);
        Field(x => x.UrbanServedShare, nullable: true);
        Field(x => x.RuralServedShare, nullable: true);
        Field(x => x.MeanDistanceM, nullable: true);
        Field(x => x.UrbanMeanDistanceM, nullable: true);
        Field(x => x.RuralMeanDistanceM, nullable: true);
    }
}

internal sealed class PlacementSideGraphType : ObjectGraphType<PlacementSide>
{
    public PlacementSideGraphType()
    {
        Name = "PlacementSide";
        Field<NonNullGraphType<PlacementMetricsGraphType>>("all").Resolve(ctx => ctx.Source.All);
        Field<NonNullGraphType<PlacementMetricsGraphType>>("urban").Resolve(ctx => ctx.Source.Urban);
        Field<NonNullGraphType<PlacementMetricsGraphType>>("rural").Resolve(ctx => ctx.Source.Rural);
        Field<NonNullGraphType<PlacementRatiosGraphType>>("ruralToUrban").Resolve(ctx => ctx.Source.RuralToUrban);
    }
}

internal sealed class PlacementMetricsGraphType : ObjectGraphType<PlacementMetrics>
{
    public PlacementMetricsGraphType()
    {
        Name = "PlacementMetrics";
        Field(x => x.Settlements);
        Field(x => x.Weight);
        Field<FloatGraphType>("population").Resolve(ctx => (double?)ctx.Source.Population);
        Field(x => x.MeanDistanceM, nullable: true);
        Field(x => x.MedianDistanceM, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapShareGraphType>>>>("within").Resolve(ctx => ctx.Source.Within);
        Field(x => x.ServedShare, nullable: true);
        Field(x => x.TravelMinutesMean, nullable: true);
        Field(x => x.TravelMinutesMedian, nullable: true);
    }
}

internal sealed class PlacementRatiosGraphType : ObjectGraphType<PlacementRatios>
{
    public PlacementRatiosGraphType()
    {
        Name = "PlacementRatios";
        Field(x => x.MeanDistance, nullable: true);
        Field(x => x.MedianDistance, nullable: true);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<GapShareGraphType>>>>("within").Resolve(ctx => ctx.Source.Within);
        Field(x => x.ServedShare, nullable: true);
        Field(x => x.TravelMinutesMean, nullable: true);
    }
}
