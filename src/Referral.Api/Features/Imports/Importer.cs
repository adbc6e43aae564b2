using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>
/// Runs one import: reads the input as records, resolves each record's ids (a re-import finds its records again by
/// source and source id), validates them with the API's rules and the import's own checks, copies the valid ones into
/// staging tables with binary COPY, and merges them set-based — all in one transaction, so an all-or-nothing import that
/// rejects a record writes nothing, and a dry run is rolled back. The report says exactly what happened.
/// </summary>
internal sealed class Importer(ReferralDbContext db, CategoryCatalog catalog, ActorContext actor, TimeProvider clock, ILogger<Importer> logger)
{
    /// <summary>Implied organizations (named by a column) get stable ids within their source.</summary>
    private static readonly Guid ImportNamespace = Guid.Parse("3f1c2a57-6d0e-5b8a-9c41-7e2d9b0a6f13");

    public async Task<ImportReport> RunAsync(ImportInput input, ImportOptions options, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var report = await ImportAsync(input, options, progress, ct);
        Infrastructure.Telemetry.Imported(report.Status, report.Counts.Records, watch.Elapsed);
        return report;
    }

    private async Task<ImportReport> ImportAsync(ImportInput input, ImportOptions options, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var run = new Run(options, input.TotalBytes, progress);
        var clockStart = Stopwatch.StartNew();
        var gcPauseBefore = GC.GetTotalPauseDuration();
        var categories = await catalog.GetAsync(ct);
        run.CategoryTerms = await db.TaxonomyTerms.AsNoTracking()
            .Where(t => t.Taxonomy!.Name == ServiceMapping.CategoryTaxonomy)
            .ToDictionaryAsync(t => t.Code, t => t.Id, ct);
        run.Resolver = new CategoryResolver(categories);
        run.Countries = await CountryOutlines.LoadAsync(db, ct);
        run.Taxonomies = await TaxonomyImport.LoadAsync(db, ct);
        var now = clock.GetUtcNow();

        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var conn = (NpgsqlConnection)db.Database.GetDbConnection();
            await TrySessionSettingAsync(conn, "SET temp_buffers = '256MB'", ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await ExecAsync(conn, "SET LOCAL work_mem = '64MB'; SET LOCAL maintenance_work_mem = '512MB';" + ImportStaging.CreateSql, ct);
            run.Connection = conn;
            run.SourceInDirectory = await SourceInDirectoryAsync(conn, options.Source, ct);
            run.Timings["setup"] = clockStart.ElapsedMilliseconds;

            var phase = Stopwatch.StartNew();
            await ReadAsync(input, run, ct);
            run.Timings["read_validate_stage"] = phase.ElapsedMilliseconds;
            if (run.Duplicates.Crowded > 0)
            {
                run.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Duplicates.Crowded} record(s) lie in crowded spots (more than {DuplicateFinder.MaxCompared} records of their category within {DuplicateFinder.Metres:0} m, often everything geocoded to a town's centre): each was compared with {DuplicateFinder.MaxCompared} of them for duplicates; each record lists at most {DuplicateFinder.MaxReported} probable duplicates."));
            }
            if (run.Records == 0 && run.OrganizationRecords == 0)
            {
                throw new ImportInputException("the input holds no records.");
            }
            progress?.Report(new ImportProgress("checking", run.Records, input.TotalBytes, input.TotalBytes));

            phase.Restart();
            var part = Stopwatch.StartNew();
            foreach (var table in ImportStaging.Tables)
            {
                await ExecAsync(conn, $"ANALYZE {table}", ct);
            }
            run.Add("check.analyze", part);
            var merge = new ImportMerge(conn, run.Scope!, now, actor.Current.Name);
            var conflicts = await merge.FindConflictsAsync(ct);
            foreach (var (rec, message) in conflicts)
            {
                run.Reject(rec, new ImportIssue(IssueCodes.IdConflict, message, run.OriginOf(rec).File, run.OriginOf(rec).Line, run.KeyOf(rec), "id"));
            }
            run.Add("check.conflicts", part);
            await merge.RemoveAsync([.. conflicts.Select(c => c.Rec).Distinct()], ct);
            run.Add("check.remove", part);
            foreach (var (rec, message) in await merge.FindDirectoryDuplicatesAsync(options.MaxListedIssues, ct))
            {
                run.Warn(rec, new ImportIssue(IssueCodes.ProbableDuplicate, message, run.OriginOf(rec).File, run.OriginOf(rec).Line, run.KeyOf(rec), "name"));
            }
            run.Add("check.directory_duplicates", part);
            run.Timings["check"] = phase.ElapsedMilliseconds;

            var writes = !(options.Mode == ImportMode.AllOrNothing && run.RejectedCount > 0);
            MergeCounts? counts = null;
            if (writes)
            {
                phase.Restart();
                var indexes = options.DryRun ? null : await IndexRebuild.PrepareAsync(conn, options.Indexes, ct);
                run.Timings["indexes_drop"] = phase.ElapsedMilliseconds;
                phase.Restart();
                counts = await merge.RunAsync(run.Taxonomies.NewTaxonomies, run.Taxonomies.NewTerms, ct);
                run.Timings["merge"] = phase.ElapsedMilliseconds;
                foreach (var (step, ms) in merge.Steps)
                {
                    run.Timings[step] = ms;
                }
                phase.Restart();
                if (indexes is not null)
                {
                    await indexes.RestoreAsync(ct);
                    run.Notes.AddRange(indexes.Notes);
                    foreach (var (step, ms) in indexes.Steps)
                    {
                        run.Timings[step] = ms;
                    }
                }
                run.Timings["indexes_rebuild"] = phase.ElapsedMilliseconds;
            }
            phase.Restart();
            var commit = writes && !options.DryRun;
            if (commit)
            {
                await tx.CommitAsync(ct);
            }
            else
            {
                await tx.RollbackAsync(ct);
            }
            run.Timings["commit"] = phase.ElapsedMilliseconds;
            run.Timings["total"] = clockStart.ElapsedMilliseconds;
            // Garbage-collection pauses during the import (the CLI runs one import per process; in the server, other work's count too).
            run.Timings["gc_pause"] = (long)(GC.GetTotalPauseDuration() - gcPauseBefore).TotalMilliseconds;
            foreach (var country in run.UncheckedCountries.Order(StringComparer.Ordinal))
            {
                run.Notes.Add($"no outline for country {country} in the regions: positions there were not checked against it.");
            }
            logger.LogInformation("Import {Source} ({Format}): {Records} records, {Rejected} rejected, committed {Committed}",
                options.Source, ImportFormats.Name(options.Format), run.Records, run.RejectedCount, commit);
            return run.Report(counts, commit);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    // ---------------------------------------------------------------------------------------------- reading -------

    private static async Task ReadAsync(ImportInput input, Run run, CancellationToken ct)
    {
        var options = run.Options;
        switch (options.Format)
        {
            case ImportFormat.Csv:
                await ReadCsvAsync(Single(input, "csv"), run, ct);
                break;
            case ImportFormat.GeoJson:
                await ReadGeoJsonAsync(Single(input, "GeoJSON"), run, ct);
                break;
            case ImportFormat.Hsds:
                run.Scope = ImportScope.Full;
                foreach (var file in input.Files)
                {
                    await using var stream = file.Open();
                    var reader = new JsonRecordReader(stream, file.Name);
                    foreach (var json in reader.Read())
                    {
                        await run.AddAsync(HsdsJsonRecords.FromJson(json, file.Name, run.Records + 1), run.BytesBefore + reader.BytesRead, ct);
                    }
                    run.BytesBefore += file.Length;
                }
                break;
            default:
                run.Scope = ImportScope.Full;
                var package = HsdsPackage.Read(input);
                run.Notes.AddRange(package.Notes);
                foreach (var org in package.Organizations)
                {
                    run.AddOrganization(org);
                }
                foreach (var record in package.Services)
                {
                    await run.AddAsync(record, 0, ct);
                }
                break;
        }
        await run.FlushAsync(ct);
        await run.StageAsync(ct);
    }

    private static InputFile Single(ImportInput input, string what) => input.Files switch
    {
        [var one] => one,
        [] => throw new ImportInputException("no file to import."),
        _ => throw new ImportInputException($"a {what} import reads one file; got {input.Files.Count} ({string.Join(", ", input.Files.Take(5).Select(f => f.Name))})."),
    };

    /// <summary>
    /// Parses the CSV and builds its records on a thread of its own, one chunk of records ahead of the batch being
    /// resolved, validated and staged: the reader has a core while the batch's lookups and its in-order part run on the
    /// other. The records, their order and every error are those of reading in line, since the chunks are taken in order
    /// and a format error is raised where its chunk would have been.
    /// </summary>
    private static async Task ReadCsvAsync(InputFile file, Run run, CancellationToken ct)
    {
        await using var stream = file.Open();
        var delimiter = run.Options.Mapping.Delimiter is [var d] ? d : (char?)null;
        using var csv = CsvTable.Open(new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16), delimiter);
        var (targets, notes) = run.Options.Mapping.Resolve(csv.Header);
        run.Notes.AddRange(notes);
        run.Columns = new ImportColumns(csv.Header, targets);
        var builder = new FlatRecordBuilder(run.Options, run.Resolver!, targets.OfType<string>(), csv.Delimiter);
        run.Scope = ImportScope.ForFlat(builder.Covered, builder.HasLocations);
        var chunkSize = Math.Max(1, run.Options.BatchSize);
        var chunks = System.Threading.Channels.Channel.CreateBounded<CsvChunk>(new System.Threading.Channels.BoundedChannelOptions(1)
        {
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(async () =>
        {
            var records = new List<SourceRecord>(chunkSize);
            Exception? failure = null;
            try
            {
                var row = new Dictionary<string, string?>(StringComparer.Ordinal);
                while (csv.Read() is { } fields)
                {
                    row.Clear();
                    for (var i = 0; i < targets.Length && i < fields.Count; i++)
                    {
                        if (targets[i] is { } target)
                        {
                            row[target] = fields[i];
                        }
                    }
                    if (builder.Add(row, new Origin(file.Name, csv.Line)) is { } done)
                    {
                        records.Add(done);
                        if (records.Count >= chunkSize)
                        {
                            await chunks.Writer.WriteAsync(new CsvChunk(records, csv.CharsRead, null), stop.Token);
                            records = new List<SourceRecord>(chunkSize);
                        }
                    }
                }
                if (builder.Flush() is { } last)
                {
                    records.Add(last);
                }
            }
            catch (CsvFormatException ex)
            {
                failure = new ImportInputException($"{file.Name}: {ex.Message}", ex.Line, file.Name);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failure = ex;
            }
            try
            {
                await chunks.Writer.WriteAsync(new CsvChunk(records, csv.CharsRead, failure), stop.Token);
            }
            finally
            {
                chunks.Writer.TryComplete();
            }
        }, stop.Token);
        try
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync(ct))
            {
                foreach (var record in chunk.Records)
                {
                    await run.AddAsync(record, chunk.CharsRead, ct);
                }
                if (chunk.Failure is { } failure)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException)
            {
                // The import stopped before the reader finished.
            }
        }
        run.Notes.AddRange(builder.Notes);
    }

    /// <summary>Records the CSV reader built, in file order; the last chunk carries the error that ended the reading, if any.</summary>
    private sealed record CsvChunk(List<SourceRecord> Records, long CharsRead, Exception? Failure);

    private static async Task ReadGeoJsonAsync(InputFile file, Run run, CancellationToken ct)
    {
        await using var stream = file.Open();
        var reader = new JsonRecordReader(stream, file.Name);
        FlatRecordBuilder? builder = null;
        var targetsBySignature = new Dictionary<string, string?[]>(StringComparer.Ordinal);
        var row = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var json in reader.Read())
        {
            var origin = new Origin(file.Name, json.Line);
            JsonDocument feature;
            try
            {
                feature = JsonDocument.Parse(json.Utf8);
            }
            catch (JsonException ex)
            {
                throw new ImportInputException($"{file.Name}: invalid JSON: {ex.Message}", json.Line, file.Name);
            }
            using (feature)
            {
                var root = feature.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Feature")
                {
                    throw new ImportInputException($"{file.Name}: expected GeoJSON Features (a FeatureCollection or one Feature per line).", json.Line, file.Name);
                }
                var properties = root.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
                var names = properties.ValueKind == JsonValueKind.Object ? properties.EnumerateObject().Select(x => x.Name).ToList() : [];
                // Features may differ in their properties; each set of names is resolved once.
                var signature = string.Join('\u001f', names);
                if (!targetsBySignature.TryGetValue(signature, out var targets))
                {
                    (targets, var notes) = run.Options.Mapping.Resolve(names);
                    run.Notes.AddRange(notes);
                    targetsBySignature[signature] = targets;
                }
                if (builder is null)
                {
                    // The first feature's properties (and its geometry) are the columns an update of an existing record speaks for.
                    builder = new FlatRecordBuilder(run.Options, run.Resolver!, targets.OfType<string>().Concat(["latitude", "longitude"]), ',');
                    run.Scope = ImportScope.ForFlat(builder.Covered, builder.HasLocations);
                }
                row.Clear();
                var i = 0;
                foreach (var property in properties.ValueKind == JsonValueKind.Object ? properties.EnumerateObject() : default)
                {
                    if (targets[i++] is { } target)
                    {
                        row[target] = Text(property.Value, builder.Separator);
                    }
                }
                if (!row.ContainsKey("id") && root.TryGetProperty("id", out var featureId) && featureId.ValueKind is JsonValueKind.String or JsonValueKind.Number)
                {
                    row["id"] = Text(featureId, builder.Separator);
                }
                var geometryProblem = Geometry(root, row);
                if (builder.Add(row, origin) is { } done)
                {
                    await run.AddAsync(done, reader.BytesRead, ct);
                }
                if (geometryProblem is not null)
                {
                    builder.AddIssueToCurrent(new ImportIssue(IssueCodes.UnparsableCoordinates, geometryProblem, file.Name, json.Line, null, "geometry"));
                }
            }
        }
        if (builder?.Flush() is { } last)
        {
            await run.AddAsync(last, reader.BytesRead, ct);
        }
        run.Notes.AddRange(builder?.Notes ?? []);
    }

    /// <summary>Puts a Point geometry's coordinates in the row; returns why the geometry is unusable, if it is.</summary>
    private static string? Geometry(JsonElement feature, Dictionary<string, string?> row)
    {
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (geometry.ValueKind != JsonValueKind.Object || !geometry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            return "the geometry is not a GeoJSON geometry object.";
        }
        if (type.GetString() != "Point")
        {
            return $"the geometry is a {FieldErrors.Clip(type.GetString() ?? "")}; a service location must be a Point.";
        }
        if (!geometry.TryGetProperty("coordinates", out var c) || c.ValueKind != JsonValueKind.Array || c.GetArrayLength() < 2
            || c[0].ValueKind != JsonValueKind.Number || c[1].ValueKind != JsonValueKind.Number)
        {
            return "the Point has no [longitude, latitude] coordinates.";
        }
        // GeoJSON order is [longitude, latitude].
        row["longitude"] = c[0].GetRawText();
        row["latitude"] = c[1].GetRawText();
        return null;
    }

    private static string? Text(JsonElement value, string separator) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Array => string.Join(separator, value.EnumerateArray().Select(v => Text(v, separator))),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    // ---------------------------------------------------------------------------------------- batch processing -----

    /// <summary>
    /// Resolves ids, validates and stages one batch of records. The COPY of the previous batch runs on the connection
    /// while this batch is looked up and validated: a lookup that queries the directory waits for it first (on the first
    /// import of a source none does), and the connection is free again before the next batch starts. Flat records are
    /// validated in parallel, then taken in file order, so the report, ordinals and staged rows are those of a one-by-one
    /// run (see <see cref="ValidateAll"/>).
    /// </summary>
    private static async Task ProcessAsync(Run run, List<SourceRecord> batch, CancellationToken ct)
    {
        var conn = run.Connection!;
        var options = run.Options;
        var clock = Stopwatch.StartNew();
        run.Staging = run.StartStaging(ct);
        try
        {
            var ids = await ResolveServiceIdsAsync(conn, run, batch, ct);
            if (options.Format is ImportFormat.Csv or ImportFormat.GeoJson)
            {
                await RefuseNewUnfindableAsync(conn, run, batch, ids, ct);
            }
            await ResolveOrganizationsAsync(conn, run, batch, ids, ct);
            var existingLocations = await ResolveLocationsAsync(conn, run, batch, ct);
            run.Add("lookup", clock);
            run.Pending = ValidateAll(run, batch, existingLocations);
        }
        finally
        {
            await run.ConnectionFreeAsync();
            run.Staging = Task.CompletedTask;
        }
        run.Add("validate", clock);
    }

    /// <summary>
    /// Validates a batch. Flat records (CSV, GeoJSON) are validated in parallel against the state before the batch; a
    /// record can only fail there for want of something an earlier record of the batch brings (an organization, a location
    /// linked by id), never pass where a one-by-one run would fail (every such check is "does it exist"), so records that
    /// fail are validated again, in file order, against the state a one-by-one run would have had. HSDS records declare
    /// taxonomy terms for the records after them, so they stay one by one.
    /// </summary>
    private static Batch ValidateAll(Run run, List<SourceRecord> batch, Dictionary<Guid, ExistingLocation> existingLocations)
    {
        var options = run.Options;
        var context = new ValidationContext
        {
            Options = options,
            Categories = run.CategoryTerms,
            KnownTerms = run.Taxonomies.Known,
            OrganizationExists = run.OrganizationExists,
            Locations = existingLocations,
            StagedLocations = run.StagedLocations,
            Countries = run.Countries!,
            UncheckedCountries = run.UncheckedCountries,
        };
        var ordinals = new int[batch.Count];
        var first = new List<ImportIssue>?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var source = batch[i];
            ordinals[i] = run.Register(source);
            if (source.Doc.Id is { } id && !run.SeenServices.TryAdd(id, source.Origin.Line) && options.Format is ImportFormat.Hsds or ImportFormat.HsdsCsv)
            {
                first[i] = [new ImportIssue(IssueCodes.DuplicateId, $"service {id} appears again (first at line {run.SeenServices[id]}).",
                    source.Origin.File, source.Origin.Line, source.Key, "id")];
            }
        }
        var results = new ImportRecord?[batch.Count];
        var lap = Stopwatch.StartNew();
        var parallel = options.Format is ImportFormat.Csv or ImportFormat.GeoJson && batch.Count >= 64;
        if (parallel)
        {
            Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                if (first[i] is null && ImportValidator.Validate(batch[i], ordinals[i], context, []) is { } record)
                {
                    record.PrepareAudit();
                    results[i] = record;
                }
            });
        }
        run.Add("validate.parallel", lap);
        var accepted = new List<ImportRecord>(batch.Count);
        var organizations = new List<(int, Organization, bool)>();
        var locations = new List<(int, Location, bool, string?)>();
        var outcomes = new ImportRecord?[batch.Count];
        var rejected = new List<ImportIssue>?[batch.Count];
        // Which records stay is decided first, in file order; the duplicate check then runs over the records that stay
        // (in file order, on every core), and the report is written last, record by record, as the one-by-one loop did.
        var candidates = new List<DuplicateCandidate>();
        var candidateOf = new List<int>();
        for (var i = 0; i < batch.Count; i++)
        {
            var source = batch[i];
            var ordinal = ordinals[i];
            var rejections = first[i] ?? [];
            var record = results[i];
            if (record is null)
            {
                run.Taxonomies.Resolve(source);
                if (rejections.Count == 0)
                {
                    record = ImportValidator.Validate(source, ordinal, context, rejections);
                }
            }
            if (record is null)
            {
                rejected[i] = rejections;
                continue;
            }
            outcomes[i] = record;
            if (record.Organization is { } org && run.StagedOrganizations.Add(org.Id))
            {
                organizations.Add((ordinal, org, record.OrganizationImplied));
            }
            for (var k = 0; k < record.Locations.Count; k++)
            {
                var l = record.Locations[k];
                if (run.StagedLocations.Add(l.Id))
                {
                    locations.Add((ordinal, l, record.KeepAddresses.Contains(l.Id), record.LocationAudits?[k]));
                }
            }
            foreach (var l in record.Locations)
            {
                if (l.Point is not null && l.LocationType == "physical")
                {
                    candidates.Add(new DuplicateCandidate(l.Point.Y, l.Point.X, record.Categories, record.Service.Name, source.Key, source.Origin));
                    candidateOf.Add(i);
                }
            }
            accepted.Add(record);
        }
        var duplicates = Stopwatch.StartNew();
        var found = run.Duplicates.AddAll(candidates);
        duplicates.Stop();
        var next = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var source = batch[i];
            var ordinal = ordinals[i];
            if (outcomes[i] is not { } record)
            {
                run.RejectRecord(ordinal, rejected[i]!, source);
                continue;
            }
            foreach (var w in record.Warnings)
            {
                run.Warn(ordinal, w, source);
            }
            for (; next < candidateOf.Count && candidateOf[next] == i; next++)
            {
                foreach (var (key, origin, metres, name) in found[next])
                {
                    run.Warn(ordinal, new ImportIssue(IssueCodes.ProbableDuplicate,
                        string.Create(CultureInfo.InvariantCulture, $"probably the same as '{FieldErrors.Clip(name)}' (line {origin.Line}, id {FieldErrors.Clip(key)}), {metres:0} m away with the same category."),
                        source.Origin.File, source.Origin.Line, source.Key, "name"), source);
                }
            }
        }
        run.Add("validate.duplicates", duplicates);
        run.Add("validate.in_order", lap);
        organizations.AddRange(run.TakeOrganizations());
        return new Batch(accepted, organizations, locations);
    }

    /// <summary>Validated rows waiting for their COPY.</summary>
    private sealed record Batch(List<ImportRecord> Records, List<(int, Organization, bool)> Organizations, List<(int, Location, bool, string?)> Locations);

    /// <summary>
    /// A file without position columns updates other fields of services that keep their sites; a service it would create
    /// without a site and without a service area could never be found, so it is refused (missing_coordinates), as the
    /// write API refuses it: one rule for both.
    /// </summary>
    private static async Task RefuseNewUnfindableAsync(NpgsqlConnection conn, Run run, List<SourceRecord> batch, Guid[] ids, CancellationToken ct)
    {
        var candidates = new List<(SourceRecord Record, Guid Id)>();
        for (var i = 0; i < batch.Count; i++)
        {
            var r = batch[i];
            if (r.Doc.ServiceAtLocations is not { Length: > 0 } && r.Doc.ServiceAreas is not { Length: > 0 }
                && !r.Issues.Any(issue => issue.Code == IssueCodes.MissingCoordinates))
            {
                candidates.Add((r, ids[i]));
            }
        }
        if (candidates.Count == 0)
        {
            return;
        }
        var existing = new HashSet<Guid>();
        await run.ConnectionFreeAsync();
        await using (var cmd = new NpgsqlCommand("SELECT id FROM service WHERE id = ANY(@ids)", conn) { CommandTimeout = 0 })
        {
            cmd.Parameters.AddWithValue("ids", candidates.Select(c => c.Id).Distinct().ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add(reader.GetGuid(0));
            }
        }
        foreach (var r in candidates.Where(c => !existing.Contains(c.Id)).Select(c => c.Record))
        {
            r.Issues.Add(new ImportIssue(IssueCodes.MissingCoordinates,
                "no coordinates, no address and no service_area: nearest and gap analysis could never find a new service without them "
                + "(give latitude and longitude, or a service_area such as CR or CR-SJ for a service without a site).",
                r.Origin.File, r.Origin.Line, r.Key, "latitude"));
        }
    }

    /// <summary>
    /// Each record's service id: its own, the one its source key had before (a re-import), or a new one. The documents
    /// are not copied here: <see cref="ResolveOrganizationsAsync"/> writes the id and the organization in one copy.
    /// </summary>
    private static async Task<Guid[]> ResolveServiceIdsAsync(NpgsqlConnection conn, Run run, List<SourceRecord> batch, CancellationToken ct)
    {
        var ids = new Guid[batch.Count];
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in batch)
        {
            if (r.Doc.Id is null)
            {
                keys.Add(r.Key);
            }
        }
        var found = keys.Count == 0 ? [] : await LookupAsync(conn, run, "service", [.. keys], ct);
        for (var i = 0; i < batch.Count; i++)
        {
            var r = batch[i];
            ids[i] = r.Doc.Id ?? (found.TryGetValue(r.Key, out var id) ? id : TimeOrderedGuid.Create());
        }
        return ids;
    }

    private static async Task ResolveOrganizationsAsync(NpgsqlConnection conn, Run run, List<SourceRecord> batch, Guid[] ids, CancellationToken ct)
    {
        var keys = batch.Where(r => r.Organization is { Id: null } && r.OrganizationKey is not null && !run.OrganizationKeys.ContainsKey(r.OrganizationKey))
            .Select(r => r.OrganizationKey!).Distinct().ToArray();
        if (keys.Length > 0)
        {
            var found = await LookupAsync(conn, run, "organization", keys, ct);
            foreach (var key in keys)
            {
                run.OrganizationKeys[key] = found.TryGetValue(key, out var id) ? id : DeterministicGuid.Create(ImportNamespace, $"organization\n{run.Options.Source}\n{key}");
            }
        }
        // One copy of each document with its service id and organization id (the records are independent of each other).
        var keyed = run.OrganizationKeys;
        Each(batch.Count, i =>
        {
            var r = batch[i];
            var organizationId = r.Doc.OrganizationId;
            if (r.Organization is { } organization)
            {
                var id = organization.Id ?? keyed[r.OrganizationKey!];
                if (organization.Id != id)
                {
                    r.Organization = organization with { Id = id };
                }
                organizationId ??= id;
            }
            if (r.Doc.Id != ids[i] || r.Doc.OrganizationId != organizationId)
            {
                r.Doc = r.Doc with { Id = ids[i], OrganizationId = organizationId };
            }
        });
        // Which referenced organizations exist already (the rest must be written by this import).
        var referenced = new HashSet<Guid>();
        foreach (var r in batch)
        {
            foreach (var sal in r.Doc.ServiceAtLocations ?? [])
            {
                Referenced(sal?.Location?.OrganizationId);
            }
            Referenced(r.Doc.OrganizationId);
        }
        if (referenced.Count > 0)
        {
            await run.ConnectionFreeAsync();
            await using var cmd = new NpgsqlCommand("SELECT id FROM organization WHERE id = ANY(@ids)", conn) { CommandTimeout = 0 };
            cmd.Parameters.AddWithValue("ids", referenced.ToArray());
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                run.ExistingOrganizations.Add(reader.GetGuid(0));
            }
        }

        void Referenced(Guid? id)
        {
            if (id is { } some && !run.ExistingOrganizations.Contains(some) && !run.StagedOrganizations.Contains(some))
            {
                referenced.Add(some);
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> for 0 … count − 1, on every core when there are enough items to pay for it.</summary>
    private static void Each(int count, Action<int> body)
    {
        if (count < 64)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, body);
    }

    private static async Task<Dictionary<Guid, ExistingLocation>> ResolveLocationsAsync(NpgsqlConnection conn, Run run, List<SourceRecord> batch, CancellationToken ct)
    {
        // Locations without an id get the one their source key had before, or a new one.
        var fresh = new HashSet<Guid>();
        var keyed = new List<(SourceRecord Record, int Index, string Key)>();
        foreach (var r in batch)
        {
            var sals = r.Doc.ServiceAtLocations ?? [];
            for (var i = 0; i < sals.Length; i++)
            {
                if (sals[i]?.Location is { Id: null } && i < r.LocationKeys.Count && r.LocationKeys[i] is { } key)
                {
                    keyed.Add((r, i, key));
                }
            }
        }
        if (keyed.Count > 0)
        {
            var missing = keyed.Select(k => k.Key).Where(k => !run.LocationKeys.ContainsKey(k)).Distinct().ToArray();
            var found = missing.Length == 0 ? [] : await LookupAsync(conn, run, "location", missing, ct);
            var local = new Dictionary<string, Guid>(StringComparer.Ordinal);
            var assigned = new Guid[keyed.Count];
            for (var k = 0; k < keyed.Count; k++)
            {
                var (r, i, key) = keyed[k];
                if (!run.LocationKeys.TryGetValue(key, out var id) && !local.TryGetValue(key, out id))
                {
                    if (!found.TryGetValue(key, out id))
                    {
                        id = TimeOrderedGuid.Create();
                        fresh.Add(id);
                    }
                    local[key] = id;
                    // Only keys a later record may share (an explicit location id column) are remembered across batches.
                    if (key != r.Key && !(key.Length > r.Key.Length && key[r.Key.Length] == '#' && key.StartsWith(r.Key, StringComparison.Ordinal)))
                    {
                        run.LocationKeys[key] = id;
                    }
                }
                assigned[k] = id;
            }
            Each(keyed.Count, k =>
            {
                var (r, i, _) = keyed[k];
                var sals = r.Doc.ServiceAtLocations!;
                sals[i] = sals[i] with { Location = sals[i].Location! with { Id = assigned[k] } };
            });
        }
        foreach (var r in batch)
        {
            var sals = r.Doc.ServiceAtLocations ?? [];
            for (var i = 0; i < sals.Length; i++)
            {
                if (sals[i]?.Location is { Id: null })
                {
                    var id = sals[i].LocationId ?? TimeOrderedGuid.Create();
                    if (sals[i].LocationId is null)
                    {
                        fresh.Add(id);
                    }
                    sals[i] = sals[i] with { Location = sals[i].Location! with { Id = id } };
                }
            }
        }
        // Ids made up just now cannot be in the directory.
        var ids = new HashSet<Guid>();
        foreach (var r in batch)
        {
            foreach (var sal in r.Doc.ServiceAtLocations ?? [])
            {
                if ((sal?.Location?.Id ?? sal?.LocationId) is { } id && !fresh.Contains(id))
                {
                    ids.Add(id);
                }
            }
        }
        var result = new Dictionary<Guid, ExistingLocation>();
        if (ids.Count == 0)
        {
            return result;
        }
        await run.ConnectionFreeAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT id, organization_id, visibility, ST_Y(point::geometry), ST_X(point::geometry), ST_Y(public_point::geometry), ST_X(public_point::geometry),
                   description, transportation, accessibility, source, name, alternate_name, url
            FROM location WHERE id = ANY(@ids)
            """, conn) { CommandTimeout = 0 };
        cmd.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            result[id] = new ExistingLocation(id, reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetString(2),
                Nullable(reader, 3), Nullable(reader, 4), Nullable(reader, 5), Nullable(reader, 6),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13));
        }
        return result;

        static double? Nullable(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetDouble(i);
    }

    /// <summary>
    /// True when the directory holds records of this source (a re-import). Nothing is written to the directory's tables
    /// before the merge, so for a first import of a source every lookup by source id would find nothing: they are skipped.
    /// </summary>
    private static async Task<bool> SourceInDirectoryAsync(NpgsqlConnection conn, string source, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM service WHERE source = @source) OR EXISTS (SELECT 1 FROM location WHERE source = @source)
                OR EXISTS (SELECT 1 FROM organization WHERE source = @source)
            """, conn) { CommandTimeout = 0 };
        cmd.Parameters.AddWithValue("source", source);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Ids of records of <paramref name="table"/> from this source, by source id.</summary>
    private static async Task<Dictionary<string, Guid>> LookupAsync(NpgsqlConnection conn, Run run, string table, string[] keys, CancellationToken ct)
    {
        var result = new Dictionary<string, Guid>(StringComparer.Ordinal);
        if (!run.SourceInDirectory)
        {
            return result;
        }
        await run.ConnectionFreeAsync();
        var source = run.Options.Source;
        await using var cmd = new NpgsqlCommand($"SELECT source_id, id FROM {table} WHERE source = @source AND source_id = ANY(@keys)", conn) { CommandTimeout = 0 };
        cmd.Parameters.AddWithValue("source", source);
        cmd.Parameters.AddWithValue("keys", keys);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetString(0)] = reader.GetGuid(1);
        }
        return result;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>temp_buffers can only change before the session first uses a temporary table; a pooled session may have.</summary>
    private static async Task TrySessionSettingAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        try
        {
            await ExecAsync(conn, sql, ct);
        }
        catch (PostgresException)
        {
            // Keeps the session's current value.
        }
    }

    // ------------------------------------------------------------------------------------------------ state -------

    /// <summary>Everything one run keeps: counts, issues, ids seen, and the batch being filled.</summary>
    private sealed class Run(ImportOptions options, long totalBytes, IProgress<ImportProgress>? progress)
    {
        private readonly List<SourceRecord> _batch = [];
        private readonly List<(Origin Origin, string Key)> _records = [(default, "")];
        private readonly List<(int, Organization, bool)> _pendingOrganizations = [];
        private readonly HashSet<int> _rejectedRecords = [];
        private readonly HashSet<int> _warnedRecords = [];
        private readonly List<ImportIssue> _rejected = [];
        private readonly List<ImportIssue> _warnings = [];
        private readonly Dictionary<string, long> _rejectedByCode = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _warningsByCode = new(StringComparer.Ordinal);

        public ImportOptions Options { get; } = options;
        public NpgsqlConnection? Connection { get; set; }
        public ImportScope? Scope { get; set; }
        public Dictionary<string, Guid> CategoryTerms { get; set; } = [];

        /// <summary>False for the first import of a source: lookups by source id are skipped.</summary>
        public bool SourceInDirectory { get; set; } = true;
        public CategoryResolver? Resolver { get; set; }
        public CountryOutlines? Countries { get; set; }
        public TaxonomyImport Taxonomies { get; set; } = null!;
        public Dictionary<string, long> Timings { get; } = new(StringComparer.Ordinal);

        /// <summary>A CSV file's columns: its issues name them (JSON inputs keep their JSON paths).</summary>
        public ImportColumns? Columns { get; set; }

        private ImportIssue Named(ImportIssue issue, SourceRecord? source) => Columns?.Name(issue, source) ?? issue;

        /// <summary>Adds the clock's time to a phase and restarts it.</summary>
        public void Add(string phase, Stopwatch clock)
        {
            lock (Timings)
            {
                Timings[phase] = Timings.GetValueOrDefault(phase) + clock.ElapsedMilliseconds;
            }
            clock.Restart();
        }
        public List<string> Notes { get; } = [];
        public HashSet<string> UncheckedCountries { get; } = new(StringComparer.Ordinal);
        public HashSet<Guid> StagedLocations { get; } = [];
        public HashSet<Guid> StagedOrganizations { get; } = [];
        public HashSet<Guid> ExistingOrganizations { get; } = [];
        public Dictionary<string, Guid> OrganizationKeys { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, Guid> LocationKeys { get; } = new(StringComparer.Ordinal);
        public Dictionary<Guid, long> SeenServices { get; } = [];
        /// <summary>The in-file duplicate check, on every core (the same answers as one finder walking the file).</summary>
        public StripedDuplicateFinder Duplicates { get; } = new(Math.Clamp(Environment.ProcessorCount, 2, 16));
        public long BytesBefore { get; set; }
        public int Records { get; private set; }
        public int OrganizationRecords { get; private set; }
        public long RejectedCount => _rejectedRecords.Count;

        public bool OrganizationExists(Guid id) => ExistingOrganizations.Contains(id) || StagedOrganizations.Contains(id);

        public async Task AddAsync(SourceRecord record, long bytesRead, CancellationToken ct)
        {
            Records++;
            _batch.Add(record);
            if (_batch.Count >= Options.BatchSize)
            {
                await FlushAsync(ct);
                progress?.Report(new ImportProgress("reading", Records, Math.Min(bytesRead, totalBytes), totalBytes));
            }
        }

        /// <summary>A stand-alone organization (data package): validated now, staged with the next batch.</summary>
        public void AddOrganization(OrganizationRecord record)
        {
            OrganizationRecords++;
            var rejections = new List<ImportIssue>();
            if (ImportValidator.ValidateOrganization(record, Options, rejections) is { } row)
            {
                if (StagedOrganizations.Add(row.Id))
                {
                    _pendingOrganizations.Add((0, row, false));
                }
                return;
            }
            foreach (var issue in rejections)
            {
                Count(_rejectedByCode, _rejected, issue);
            }
            RejectedOrganizations++;
        }

        public long RejectedOrganizations { get; private set; }

        public List<(int, Organization, bool)> TakeOrganizations()
        {
            var taken = _pendingOrganizations.ToList();
            _pendingOrganizations.Clear();
            return taken;
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            if (_batch.Count > 0 || _pendingOrganizations.Count > 0)
            {
                await ProcessAsync(this, _batch, ct);
                _batch.Clear();
            }
        }

        /// <summary>The last batch validated, not yet staged.</summary>
        public Batch? Pending { get; set; }

        /// <summary>The COPY running on the connection, if any (<see cref="ConnectionFreeAsync"/> waits for it).</summary>
        public Task Staging { get; set; } = Task.CompletedTask;

        /// <summary>Waits for the COPY on the connection before a query; the wait is timed as <c>stage_wait</c>.</summary>
        public async Task ConnectionFreeAsync()
        {
            if (Staging.IsCompleted)
            {
                await Staging;
                return;
            }
            var waited = Stopwatch.StartNew();
            try
            {
                await Staging;
            }
            finally
            {
                Add("stage_wait", waited);
            }
        }

        /// <summary>
        /// Starts the pending batch's COPY on a thread of the pool, so that none of its row writing runs on the thread that
        /// goes on to the next batch's lookups (the writes are synchronous until the socket's buffer is full).
        /// </summary>
        public Task StartStaging(CancellationToken ct)
        {
            if (Pending is not { } batch)
            {
                return Task.CompletedTask;
            }
            Pending = null;
            return Task.Run(() => StageAsync(batch, ct), ct);
        }

        /// <summary>Copies the pending batch into the staging tables (the connection is busy until it completes).</summary>
        public async Task StageAsync(CancellationToken ct)
        {
            if (Pending is not { } batch)
            {
                return;
            }
            Pending = null;
            await StageAsync(batch, ct);
        }

        private async Task StageAsync(Batch batch, CancellationToken ct)
        {
            var clock = Stopwatch.StartNew();
            await ImportStaging.WriteAsync(Connection!, batch.Records, batch.Organizations, batch.Locations, ct);
            lock (Timings)
            {
                Timings["stage"] = Timings.GetValueOrDefault("stage") + clock.ElapsedMilliseconds;
            }
        }

        /// <summary>Gives the record its ordinal (the <c>rec</c> of its staged rows).</summary>
        public int Register(SourceRecord source)
        {
            _records.Add((source.Origin, source.Key));
            return _records.Count - 1;
        }

        public Origin OriginOf(int rec) => rec > 0 && rec < _records.Count ? _records[rec].Origin : default;

        public string? KeyOf(int rec) => rec > 0 && rec < _records.Count ? _records[rec].Key : null;

        public void RejectRecord(int rec, List<ImportIssue> issues, SourceRecord source)
        {
            _rejectedRecords.Add(rec);
            if (issues.Count == 0)
            {
                issues.Add(new ImportIssue(IssueCodes.InvalidValue, "the record is not valid.", source.Origin.File, source.Origin.Line, source.Key));
            }
            foreach (var issue in issues)
            {
                Count(_rejectedByCode, _rejected, Named(issue, source));
            }
            foreach (var warning in source.Issues.Where(i => ImportValidator.IsWarning(i.Code)))
            {
                Warn(rec, warning, source);
            }
        }

        public void Reject(int rec, ImportIssue issue)
        {
            _rejectedRecords.Add(rec);
            Count(_rejectedByCode, _rejected, Named(issue, null));
        }

        public void Warn(int rec, ImportIssue issue, SourceRecord? source = null)
        {
            _warnedRecords.Add(rec);
            Count(_warningsByCode, _warnings, Named(issue, source));
        }

        private void Count(Dictionary<string, long> byCode, List<ImportIssue> list, ImportIssue issue)
        {
            byCode[issue.Code] = byCode.GetValueOrDefault(issue.Code) + 1;
            if (list.Count < Options.MaxListedIssues)
            {
                list.Add(issue);
            }
        }

        public ImportReport Report(MergeCounts? counts, bool committed)
        {
            var none = new EntityCounts(0, 0, 0);
            var status = Options.DryRun ? "dry_run" : committed ? "committed" : "rejected";
            var totalRecords = Records + OrganizationRecords;
            var rejectedTotal = RejectedCount + RejectedOrganizations;
            var summary = status switch
            {
                "rejected" => $"Nothing was imported: {rejectedTotal} of {totalRecords} record(s) were rejected and the import is all-or-nothing "
                    + $"(fix them, or import the {totalRecords - rejectedTotal} valid record(s) with valid_only).",
                "dry_run" when counts is null => $"Dry run, nothing written: {rejectedTotal} of {totalRecords} record(s) would be rejected, so the all-or-nothing import would write nothing.",
                "dry_run" => $"Dry run, nothing written: {totalRecords - rejectedTotal} of {totalRecords} record(s) are valid; the import would {Effect(counts!, "create", "update", "leave unchanged", "remove")}"
                    + (rejectedTotal > 0 ? $"; {rejectedTotal} would be rejected." : "."),
                _ => $"Imported {totalRecords - rejectedTotal} of {totalRecords} record(s): {Effect(counts!, "created", "updated", "unchanged", "removed")}"
                    + (rejectedTotal > 0 ? $"; {rejectedTotal} rejected and not imported." : "."),
            };
            return new ImportReport
            {
                Status = status,
                Summary = summary,
                Format = ImportFormats.Name(Options.Format),
                Source = Options.Source,
                Mode = Options.Mode == ImportMode.AllOrNothing ? "all_or_nothing" : "valid_only",
                DryRun = Options.DryRun,
                Committed = committed,
                Counts = new ImportCounts
                {
                    Records = totalRecords,
                    Valid = totalRecords - rejectedTotal,
                    Rejected = rejectedTotal,
                    WithWarnings = _warnedRecords.Count,
                    Services = counts?.Services ?? none,
                    Locations = counts?.Locations ?? none,
                    Organizations = counts?.Organizations ?? none,
                    TaxonomyTermsCreated = counts?.TermsCreated ?? 0,
                },
                Rejected = _rejected,
                Warnings = _warnings,
                RejectedByCode = _rejectedByCode,
                WarningsByCode = _warningsByCode,
                Notes = [.. Notes.Distinct()],
                TimingsMs = Timings,
            };
        }

        private static string Effect(MergeCounts c, string created, string updated, string unchanged, string removed) =>
            $"services {created} {c.Services.Created}, {updated} {c.Services.Updated}, {unchanged} {c.Services.Unchanged}; "
            + $"locations {created} {c.Locations.Created}, {updated} {c.Locations.Updated}, {removed} {c.Locations.Deleted}; "
            + $"organizations {created} {c.Organizations.Created}, {updated} {c.Organizations.Updated}";
    }
}
