using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary><c>POST /api/imports</c> options (query string).</summary>
internal sealed record ImportQuery(
    [property: Description("csv, geojson, hsds (JSON: one service, an array, or ndjson) or hsds-csv (the tabular data package, zipped or as several files). Default: from the content type or file name.")][FromQuery(Name = "format")] string? Format = null,
    [property: Description("The dataset's name; imported records carry it with their id there, so importing the same data again updates them. Default: the uploaded file's name, else 'api'.")][FromQuery(Name = "source")] string? Source = null,
    [property: Description("Check and report only; write nothing.")][FromQuery(Name = "dry_run")] bool? DryRun = null,
    [property: Description("Write the valid records even when some are rejected (default: all-or-nothing).")][FromQuery(Name = "valid_only")] bool? ValidOnly = null,
    [property: Description("ISO 3166-1 alpha-2 country for records that name none; positions are checked against its outline.")][FromQuery(Name = "country")] string? Country = null,
    [property: Description("Flat formats: the organization the records belong to (unless a column names one).")][FromQuery(Name = "organization_id")] Guid? OrganizationId = null,
    [property: Description("Flat formats: the name of the organization the records belong to when no column names one (found or created by name). Without it, organization_id or an organization column, records belong to an organization named 'Organization not given' and the report warns.")][FromQuery(Name = "organization")] string? Organization = null,
    [property: Description("Language (en, es, pt, fr) of the names given to unnamed records, e.g. 'Puesto policial (sin nombre), Santa Ana'. Default: from Accept-Language, else en.")][FromQuery(Name = "language")] string? Language = null,
    [property: Description("How far (km) outside its country's outline a point may be before it is rejected; nearer ones are warnings. Default 5.")][FromQuery(Name = "border_tolerance_km")] double? BorderToleranceKm = null,
    [property: Description("auto (default: rebuild indexes of tables an initial load fills), keep, or rebuild.")][FromQuery(Name = "indexes")] string? Indexes = null);

internal static class ImportEndpoints
{
    /// <summary>Uploads are streamed to a temporary file, never held in memory.</summary>
    public const long MaxUploadBytes = 1024L * 1024 * 1024;

    private const long MaxMappingBytes = 256 * 1024;

    private static readonly Dictionary<string, ImportFormat> ByMediaType = new(StringComparer.OrdinalIgnoreCase)
    {
        ["text/csv"] = ImportFormat.Csv,
        ["application/csv"] = ImportFormat.Csv,
        ["application/geo+json"] = ImportFormat.GeoJson,
        ["application/geo+json-seq"] = ImportFormat.GeoJson,
        ["application/json"] = ImportFormat.Hsds,
        ["application/x-ndjson"] = ImportFormat.Hsds,
        ["application/ndjson"] = ImportFormat.Hsds,
        ["application/zip"] = ImportFormat.HsdsCsv,
    };

    public static IEndpointRouteBuilder MapImports(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/imports", CreateImport).WithName("CreateImport").WithTags("Imports")
            .WithSummary("Import services (admin): CSV with a column mapping, GeoJSON, HSDS 3.1 JSON, or the HSDS CSV data package")
            .WithDescription("""
                Send the file as the body (Content-Type text/csv, application/geo+json, application/json, application/x-ndjson or
                application/zip) or as multipart/form-data with one or more `file` parts and an optional `mapping` part (JSON).
                Answers with the data-quality report: 200 when the import was written (or was a dry run), 422 with the report
                when an all-or-nothing import rejected records and wrote nothing.
                """)
            .RequireAuthorization(Authorization.AdminPolicy)
            .Accepts<ServiceDocument>("application/json", "application/x-ndjson", "application/geo+json", "text/csv", "application/zip", "multipart/form-data")
            .Produces<ImportReport>(200)
            .ProducesValidationProblem(422).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(413).ProducesProblem(415)
            .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes));
        return app;
    }

    internal static async Task<Results<Ok<ImportReport>, ProblemHttpResult>> CreateImport(
        [AsParameters] ImportQuery query, HttpRequest request, Importer importer, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } mediaType
            || !(ByMediaType.ContainsKey(mediaType) || mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                $"Send the file as {string.Join(", ", ByMediaType.Keys)}, or as multipart/form-data with 'file' parts.");
        }
        if (type.Charset.HasValue && !type.Charset.Value!.Replace("-", "", StringComparison.Ordinal).Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported media type", "Send the file in UTF-8.");
        }
        if (request.ContentLength > MaxUploadBytes)
        {
            return TooLarge();
        }
        var uploads = new List<(string Name, string Path)>();
        try
        {
            CsvMapping mapping;
            if (mediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var (mappingJson, problem) = await ReadMultipartAsync(request, type, uploads, ct);
                if (problem is not null)
                {
                    return problem;
                }
                mapping = mappingJson is null ? CsvMapping.Default : CsvMapping.Parse(mappingJson);
            }
            else
            {
                var path = TempFile();
                uploads.Add(("upload", path));
                if (!await CopyLimitedAsync(request.Body, path, ct))
                {
                    return TooLarge();
                }
                mapping = CsvMapping.Default;
            }
            var (options, optionProblem) = Options(query, mediaType, uploads, mapping);
            if (optionProblem is not null)
            {
                return optionProblem;
            }
            options = options! with { Language = UnnamedNames.Language(query.Language ?? request.Headers.AcceptLanguage.ToString()) };
            using var input = ImportInput.FromFiles(uploads);
            // The cap holds for what is read, not only for what was sent: a zip counts at its entries' uncompressed sizes,
            // so a small archive that inflates to many GiB (its tables are read into memory) is refused before it is read.
            if (input.TotalBytes > MaxUploadBytes)
            {
                return TooLarge();
            }
            var report = await importer.RunAsync(input, options, progress: null, ct);
            return report.Status == "rejected"
                ? TypedResults.Problem(statusCode: 422, title: "Import rejected", detail: report.Summary,
                    extensions: new Dictionary<string, object?> { ["code"] = ErrorCodes.ValidationFailed, ["report"] = report })
                : TypedResults.Ok(report);
        }
        catch (ImportInputException ex)
        {
            var extensions = new Dictionary<string, object?> { ["code"] = ErrorCodes.BadRequest };
            if (ex.File is not null)
            {
                extensions["file"] = ex.File;
            }
            if (ex.Line is not null)
            {
                extensions["line"] = ex.Line;
            }
            return TypedResults.Problem(statusCode: 400, title: "Unreadable input", detail: ex.Message, extensions: extensions);
        }
        finally
        {
            foreach (var (_, path) in uploads)
            {
                File.Delete(path);
            }
        }
    }

    private static (ImportOptions? Options, ProblemHttpResult? Problem) Options(ImportQuery query, string mediaType, List<(string Name, string Path)> uploads, CsvMapping mapping)
    {
        var errors = new FieldErrors();
        ImportFormat format;
        if (query.Format is { } name)
        {
            if (!ImportFormats.ByName.TryGetValue(name.Trim(), out format))
            {
                errors.Add("format", $"'{FieldErrors.Clip(name)}' is not one of: csv, geojson, hsds, hsds-csv.");
            }
        }
        else if (ByMediaType.TryGetValue(mediaType, out var byType))
        {
            format = byType;
        }
        else
        {
            var byName = uploads.Select(u => ImportFormats.FromFileName(u.Name)).OfType<ImportFormat>().Distinct().ToList();
            format = byName switch
            {
                [ImportFormat.Csv] when uploads.Count > 1 => ImportFormat.HsdsCsv,
                [var one] => one,
                _ => ImportFormat.Csv,
            };
            if (byName.Count != 1)
            {
                errors.Add("format", "cannot tell the format from the file names; give format=csv, geojson, hsds or hsds-csv.");
            }
        }
        var source = errors.Text("source", query.Source ?? (uploads is [var single] && single.Name != "upload" ? single.Name : "api"), Limits.Short, required: true);
        var country = query.Country?.Trim().ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            errors.Add("country", "must be an ISO 3166-1 alpha-2 code such as CR.");
        }
        if (query.BorderToleranceKm is { } km && (!double.IsFinite(km) || km is < 0 or > 1000))
        {
            errors.Add("border_tolerance_km", "must be between 0 and 1000.");
        }
        var indexes = IndexStrategy.Auto;
        if (query.Indexes is { } i && !Enum.TryParse(i, ignoreCase: true, out indexes))
        {
            errors.Add("indexes", "must be auto, keep or rebuild.");
        }
        if (errors.Any)
        {
            return (null, Problems.Of(400, ErrorCodes.ValidationFailed, "Validation failed",
                string.Join(" ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))));
        }
        return (new ImportOptions
        {
            Format = format,
            Source = source!,
            DryRun = query.DryRun == true,
            Mode = query.ValidOnly == true ? ImportMode.ValidOnly : ImportMode.AllOrNothing,
            Mapping = mapping,
            Country = country,
            OrganizationId = query.OrganizationId,
            OrganizationName = string.IsNullOrWhiteSpace(query.Organization) ? null : query.Organization.Trim(),
            BorderToleranceKm = query.BorderToleranceKm ?? 5,
            Indexes = indexes,
        }, null);
    }

    /// <summary>Streams each file part to a temporary file; reads the <c>mapping</c> part (JSON) into memory.</summary>
    private static async Task<(byte[]? Mapping, ProblemHttpResult? Problem)> ReadMultipartAsync(
        HttpRequest request, MediaTypeHeaderValue type, List<(string Name, string Path)> uploads, CancellationToken ct)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 256)
        {
            return (null, Problems.Of(400, ErrorCodes.BadRequest, "Bad request", "The multipart body has no boundary."));
        }
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 };
        byte[]? mapping = null;
        long total = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                // IsFormDisposition() means a form field without a file name; a file part is IsFileDisposition().
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !(disposition.IsFormDisposition() || disposition.IsFileDisposition()))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (name.Equals("mapping", StringComparison.OrdinalIgnoreCase))
                {
                    using var buffer = new MemoryStream();
                    if (!await CopyLimitedAsync(section.Body, buffer, MaxMappingBytes, ct))
                    {
                        return (null, Problems.Of(413, ErrorCodes.PayloadTooLarge, "Payload too large", $"The mapping is larger than {MaxMappingBytes / 1024} KiB."));
                    }
                    mapping = buffer.ToArray();
                    continue;
                }
                if (!disposition.IsFileDisposition())
                {
                    continue;
                }
                var fileName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value ?? "upload");
                var path = TempFile();
                uploads.Add((fileName.Length == 0 ? "upload" : fileName, path));
                await using (var file = File.Create(path))
                {
                    if (!await CopyLimitedAsync(section.Body, file, MaxUploadBytes - total, ct))
                    {
                        return (null, TooLarge());
                    }
                    total += file.Length;
                }
            }
        }
        catch (IOException ex)
        {
            return (null, Problems.Of(400, ErrorCodes.BadRequest, "Bad request", $"The multipart body cannot be read: {ex.Message}"));
        }
        catch (InvalidDataException ex)
        {
            return (null, Problems.Of(400, ErrorCodes.BadRequest, "Bad request", $"The multipart body cannot be read: {ex.Message}"));
        }
        return uploads.Count == 0
            ? (null, Problems.Of(400, ErrorCodes.BadRequest, "Bad request", "The form has no file part (send the file as a 'file' part with a file name)."))
            : (mapping, null);
    }

    private static async Task<bool> CopyLimitedAsync(Stream from, string path, CancellationToken ct)
    {
        await using var file = File.Create(path);
        return await CopyLimitedAsync(from, file, MaxUploadBytes, ct);
    }

    private static async Task<bool> CopyLimitedAsync(Stream from, Stream to, long limit, CancellationToken ct)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            if (total > limit)
            {
                return false;
            }
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
        }
        return true;
    }

    private static string TempFile() => Path.Combine(Path.GetTempPath(), $"referral-import-{Guid.NewGuid():N}");

    private static ProblemHttpResult TooLarge() =>
        Problems.Of(413, ErrorCodes.PayloadTooLarge, "Payload too large", $"The upload is larger than {MaxUploadBytes / (1024 * 1024)} MiB (a zip archive: uncompressed); import larger files with the CLI.");
}
