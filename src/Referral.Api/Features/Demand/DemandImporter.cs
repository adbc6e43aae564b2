using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Demand;

internal enum DemandImporterStatus
{
    Created,
    Replaced,
    Invalid,
    Conflict,
    TooLarge,
    Forbidden,
}

internal sealed record DemandImporterResult(
    DemandImporterStatus Status, DemandImportReport? Report = null, Dictionary<string, string[]>? Errors = null, string? Detail = null);

/// <summary>Parse, validate every row, then store all of it or nothing: shared by REST and the <c>gaps import</c> CLI verb.</summary>
internal sealed class DemandImporter(DemandWriter writer, DemandQueries queries, Data.ReferralDbContext db)
{
    public async Task<DemandImporterResult> ImportAsync(Stream stream, string format, DemandImportQuery meta, bool replace, long limit, CancellationToken ct)
    {
        DemandParse parse;
        if (format == "csv")
        {
            parse = await DemandParser.ReadCsvAsync(stream, meta.ValidOnly == true, ct);
        }
        else
        {
            var (body, problem) = await ReadAllAsync(stream, limit, ct);
            if (problem is not null)
            {
                return new DemandImporterResult(DemandImporterStatus.TooLarge, Detail: $"Imports are limited to {limit / 1024 / 1024} MiB.");
            }
            parse = DemandParser.ReadJson(body, meta.ValidOnly == true);
        }
        var name = (meta.Name ?? parse.Name)?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            parse.Add("name", "is required: give the dataset a name (query or form field 'name', or the GeoJSON's top-level \"name\").");
        }
        else if (name.Length > Limits.Short)
        {
            parse.Add("name", $"is {name.Length} characters long; at most {Limits.Short} are allowed.");
        }
        else if (!TextRules.IsClean(name))
        {
            parse.Add("name", "contains a control character (such as a NUL or a line break) or broken Unicode.");
        }
        else if (TextSafety.Problem(name) is { } invisible)
        {
            parse.Add("name", invisible);
        }
        parse.Description = Text(parse, "description", meta.Description ?? parse.Description, Limits.Text);
        parse.Source = Text(parse, "source", meta.Source ?? parse.Source, Limits.Short);
        parse.License = Text(parse, "license", meta.License ?? parse.License, Limits.Short);
        if (parse.ErrorCount > 0 && (parse.FileErrorCount > 0 || !parse.ValidOnly || parse.Rows.Count == 0))
        {
            var listed = parse.ErrorCount > DemandParse.MaxListedErrors ? $"; the first {DemandParse.MaxListedErrors} are listed" : "";
            var detail = parse.RowsRead > 0
                ? string.Create(CultureInfo.InvariantCulture,
                    $"{parse.InvalidRows.Count} of {parse.RowsRead} rows are invalid ({parse.ErrorCount} problems{listed}); nothing was stored. rows[N] is the Nth data row (line N + 1 of a CSV).")
                : $"The file cannot be imported ({parse.ErrorCount} problems{listed}); nothing was stored.";
            return new DemandImporterResult(DemandImporterStatus.Invalid, Errors: parse.Errors.ToDictionary(), Detail: detail);
        }
        // Region codes in other schemes (CR.08, KEN) are read as the directory's; unknown ones are reported, not refused.
        var codes = (await Regions.RegionCodes.LoadAsync(db, ct)).Check(parse.Rows.Select(r => r.RegionCode));
        if (Regions.RegionCodes.Warning(codes) is { } codeWarning)
        {
            parse.Warnings.Add(codeWarning);
        }
        var outcome = await writer.ImportAsync(name!, parse, replace, ct);
        if (outcome.Status == DemandImportStatus.Conflict)
        {
            return new DemandImporterResult(DemandImporterStatus.Conflict,
                Detail: $"A demand dataset named '{FieldErrors.Clip(name!)}' exists (id {outcome.DatasetId}); send replace=true to replace its settlements.");
        }
        if (outcome.Status == DemandImportStatus.Forbidden)
        {
            return new DemandImporterResult(DemandImporterStatus.Forbidden,
                Detail: $"The demand dataset '{FieldErrors.Clip(name!)}' (id {outcome.DatasetId}) belongs to someone else or is the shared demo; only its owner or an admin may replace it. Import under another name.");
        }
        var dataset = (await queries.FindAsync(outcome.DatasetId, ct))!;
        var report = new DemandImportReport(dataset, format, parse.RowsRead, parse.Rows.Count, outcome.Status == DemandImportStatus.Replaced, parse.Warnings,
            parse.InvalidRows.Count, parse.ErrorCount > 0 ? parse.Errors.ToDictionary() : null)
        {
            RegionCodes = codes,
        };
        return new DemandImporterResult(outcome.Status == DemandImportStatus.Replaced ? DemandImporterStatus.Replaced : DemandImporterStatus.Created, report);
    }

    /// <summary>Reads a whole body into memory, refusing more than <paramref name="limit"/> bytes.</summary>
    public static async Task<(ReadOnlyMemory<byte> Body, ProblemHttpResult? Problem)> ReadAllAsync(Stream stream, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (default, Problems.Of(413, ErrorCodes.PayloadTooLarge, "Payload too large", $"The body is larger than {limit / 1024 / 1024} MiB."));
            }
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), null);
    }

    private static string? Text(DemandParse parse, string field, string? value, int max)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
        {
            return null;
        }
        if (v.Length > max)
        {
            parse.Add(field, $"is {v.Length} characters long; at most {max} are allowed.");
            return null;
        }
        if (!TextRules.IsClean(v, multiline: true))
        {
            parse.Add(field, "contains a control character (such as a NUL) or broken Unicode.");
            return null;
        }
        if (TextSafety.Problem(v) is { } invisible)
        {
            parse.Add(field, invisible);
            return null;
        }
        return v;
    }
}
