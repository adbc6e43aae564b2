using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Demand;

/// <summary>Demand datasets (where people live) and region outlines: the inputs of gap analysis. ★ not part of HSDS.</summary>
internal static class DemandEndpoints
{
    /// <summary>Region imports (admin) and the CLI's GeoJSON reads; demand uploads over HTTP use Gaps:DemandUploadMaxMiB.</summary>
    public const long ImportLimit = 256L * 1024 * 1024;

    public static IEndpointRouteBuilder MapDemand(this IEndpointRouteBuilder app)
    {
        var uploadLimit = app.ServiceProvider.GetRequiredService<IOptions<Gaps.GapSettings>>().Value.DemandUploadMaxBytes;
        var group = app.MapGroup("/api/demand_datasets").WithTags("Demand datasets");
        group.MapGet("/", ListDemandDatasets).WithName("ListDemandDatasets")
            .WithSummary("Demand datasets (settlements with population) for gap analysis, by name, in the page envelope")
            .ProducesValidationProblem().RequireCors(Cors.PublicRead);
        group.MapGet("/{id:guid}", GetDemandDataset).WithName("GetDemandDataset")
            .WithSummary("One demand dataset with a summary of its settlements").ProducesProblem(404).RequireCors(Cors.PublicRead);

        var writes = group.MapGroup("").RequireAuthorization(Authorization.PlanningPolicy);
        writes.MapPost("/", ImportDemandDataset).WithName("ImportDemandDataset")
            .WithSummary("Import settlements: CSV (name?, lat, lng, population?, settlement_class?, region_code?) or GeoJSON points")
            .WithDescription("Send text/csv, application/geo+json / application/json (a FeatureCollection of Points, or {\"name\", \"points\": [...]}), " +
                "or multipart/form-data with a `file` part and the query fields as form fields. Headers are recognised in English, Spanish, Portuguese " +
                "and French (latitud, poblacion, nombre, …) by the directory import's alias table. Every row is validated first; on any error the " +
                "response lists them by row (rows[N].field, N = 1-based data row) and nothing is stored, unless valid_only=true: then the valid rows " +
                "are stored and the report lists the rejected ones. Unnamed settlements are kept; a settlement without population while others have " +
                "one is rejected (a population column with no values means a dataset without population). Planner, editor or admin; the dataset " +
                "belongs to the caller's organization (or its key when it has none): replace=true replaces only one's own (the seeded demo only " +
                "an admin), else 403. Uploads are capped at Gaps:DemandUploadMaxMiB (default 64 MiB): 413 PAYLOAD_TOO_LARGE above.")
            .Accepts<IFormFile>("multipart/form-data", "text/csv", "application/geo+json", "application/json")
            .WithMetadata(new RequestSizeLimitAttribute(uploadLimit))
            .WithFormOptions(multipartBodyLengthLimit: uploadLimit)
            .DisableAntiforgery()
            .ProducesValidationProblem().ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415);
        writes.MapDelete("/{id:guid}", DeleteDemandDataset).WithName("DeleteDemandDataset")
            .WithSummary("Delete a demand dataset with its settlements and gap analyses (its owner or an admin; the demo only an admin)")
            .ProducesProblem(403).ProducesProblem(404);

        app.MapPost("/api/regions", ImportRegions).WithTags("Regions").WithName("ImportRegions")
            .WithSummary("Import or update regions from GeoJSON polygons (code, name, level, parent_code?, population?, class?)")
            .WithDescription("Upserts by code. Invalid outlines are repaired (reported per region) or rejected with the reason; nothing broken is stored. " +
                "Admin only: regions are shared reference data (service areas by region code follow them), not a planner's own input.")
            .RequireAuthorization(Authorization.AdminPolicy)
            .Accepts<object>("application/geo+json", "application/json")
            .WithMetadata(new RequestSizeLimitAttribute(ImportLimit))
            .ProducesValidationProblem().ProducesProblem(413).ProducesProblem(415);
        return app;
    }

    internal static async Task<Results<Ok<Page<DemandDatasetDocument>>, ValidationProblem>> ListDemandDatasets(
        [AsParameters] PagingQuery query, DemandQueries queries, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(query.Page, query.PerPage, errors);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(await queries.PageAsync(page, ct));
    }

    internal static async Task<Results<Ok<DemandDatasetDocument>, ProblemHttpResult>> GetDemandDataset(Guid id, DemandQueries queries, CancellationToken ct) =>
        await queries.FindAsync(id, ct) is { } d ? TypedResults.Ok(d) : Problems.NotFound("demand dataset", id);

    internal static async Task<Results<Created<DemandImportReport>, Ok<DemandImportReport>, ValidationProblem, ProblemHttpResult>> ImportDemandDataset(
        HttpRequest request, [AsParameters] DemandImportQuery query, DemandImporter importer, IOptions<Gaps.GapSettings> settings, CancellationToken ct)
    {
        var limit = settings.Value.DemandUploadMaxBytes;
        if (request.ContentLength > limit)
        {
            return Problems.Of(413, ErrorCodes.PayloadTooLarge, "Payload too large", $"Demand uploads are limited to {limit / 1024 / 1024} MiB.");
        }
        var format = query.Format?.Trim().ToLowerInvariant();
        var replace = query.Replace;
        var meta = query;
        Stream? stream = null;
        string? fileName = null;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.GetFile("file");
            if (file is null)
            {
                return Problems.Validation("file", "is required: send the CSV or GeoJSON as a form part named 'file'.");
            }
            fileName = file.FileName;
            stream = file.OpenReadStream();
            meta = meta with
            {
                Name = meta.Name ?? Form(form, "name"),
                Description = meta.Description ?? Form(form, "description"),
                Source = meta.Source ?? Form(form, "source"),
                License = meta.License ?? Form(form, "license"),
                ValidOnly = meta.ValidOnly ?? (bool.TryParse(Form(form, "valid_only"), out var v) && v),
            };
            format ??= Form(form, "format")?.ToLowerInvariant();
            replace ??= bool.TryParse(Form(form, "replace"), out var r) && r;
        }
        else if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            var media = type.MediaType.Value?.ToLowerInvariant();
            format ??= media switch
            {
                "text/csv" or "text/plain" or "application/csv" => "csv",
                "application/geo+json" or "application/json" => "geojson",
                _ => null,
            };
            stream = request.Body;
        }
        format ??= fileName?.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) == true || fileName?.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) == true ? "csv"
            : fileName?.EndsWith("json", StringComparison.OrdinalIgnoreCase) == true ? "geojson" : null;
        if (stream is null || format is not ("csv" or "geojson"))
        {
            return Problems.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                "Send text/csv, application/geo+json (or application/json), or multipart/form-data with a 'file' part; or set format=csv|geojson.");
        }
        await using (stream = new LimitedReadStream(stream, limit))
        {
            var result = await importer.ImportAsync(stream, format, meta, replace == true, limit, ct);
            return result.Status switch
            {
                DemandImporterStatus.Invalid => Problems.Validation(result.Errors!, result.Detail),
                DemandImporterStatus.Conflict => Problems.Of(409, ErrorCodes.Conflict, "Conflict", result.Detail),
                DemandImporterStatus.Forbidden => Problems.Of(403, ErrorCodes.Forbidden, "Forbidden", result.Detail),
                DemandImporterStatus.TooLarge => Problems.Of(413, ErrorCodes.PayloadTooLarge, "Payload too large", result.Detail),
                DemandImporterStatus.Replaced => TypedResults.Ok(result.Report!),
                _ => TypedResults.Created($"/api/demand_datasets/{result.Report!.Dataset.Id}", result.Report),
            };
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteDemandDataset(Guid id, DemandWriter writer, CancellationToken ct) =>
        await writer.DeleteAsync(id, ct) switch
        {
            PlanningDelete.Deleted => TypedResults.NoContent(),
            PlanningDelete.Forbidden => Problems.Of(403, ErrorCodes.Forbidden, "Forbidden",
                "Only the dataset's owner or an admin may delete it; the seeded demo dataset only an admin."),
            _ => Problems.NotFound("demand dataset", id),
        };

    internal static async Task<Results<Ok<RegionImportReport>, ValidationProblem, ProblemHttpResult>> ImportRegions(
        HttpRequest request, RegionImport import, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ||
            !(type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
              type.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true))
        {
            return Problems.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported media type", "Send a GeoJSON FeatureCollection as application/geo+json.");
        }
        var (body, problem) = await DemandImporter.ReadAllAsync(request.Body, ImportLimit, ct);
        if (problem is not null)
        {
            return problem;
        }
        var outcome = await import.ImportAsync(body, ct);
        return outcome.Errors is { } errors
            ? Problems.Validation(errors.ToDictionary(), "Some regions are invalid; nothing was stored. See errors (features[N] is the Nth feature, 0-based).")
            : TypedResults.Ok(outcome.Report!);
    }

    private static string? Form(IFormCollection form, string key) => form.TryGetValue(key, out var v) && v.Count > 0 && !string.IsNullOrWhiteSpace(v[0]) ? v[0]!.Trim() : null;
}
