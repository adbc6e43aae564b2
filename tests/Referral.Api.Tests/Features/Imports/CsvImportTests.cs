using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

public sealed class CsvImportTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Csv = "text/csv";

    private const string Header = "id,name,category,lat,lon,phone,address,city,country";

    private static string File(params string[] rows) => string.Join("\n", rows.Prepend(Header)) + "\n";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    [Fact]
    public async Task Import_DefaultHeaders_CreatesSearchableServicesAtTheirLocations()
    {
        var csv = File(
            "P1,Comisaría Central,police,9.9333,-84.0833,+506 2222 3333,Calle 1,San José,CR",
            "P2,Línea 1147,helpline,9.94,-84.07,1147,Calle 2,San José,Costa Rica");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=stations");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("committed", result.Report.GetProperty("status").GetString());
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(2, result.Count("locations.created"));
        Assert.Equal(1, result.Count("organizations.created"));
        var list = await Public.GetFromJsonAsync<JsonElement>("/api/services?search=comisaria");
        var found = Assert.Single(list.GetProperty("contents").EnumerateArray());
        var detail = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{found.GetProperty("id").GetGuid()}");
        Assert.Equal("+50622223333", detail.GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal("police", detail.GetProperty("categories")[0].GetString());
        var location = detail.GetProperty("service_at_locations")[0].GetProperty("location");
        Assert.Equal(9.9333, location.GetProperty("latitude").GetDouble());
        Assert.Equal("CR", location.GetProperty("addresses")[0].GetProperty("country").GetString());
        var near = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.94&lng=-84.07&category=helpline&limit=1");
        Assert.Equal("Línea 1147", near.GetProperty("results")[0].GetProperty("service").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Import_BulkLoad_MarksEverythingChangedOnce_AndNearestAndTilesSeeTheRows()
    {
        // A bulk load (indexes rebuilt) records its changes as a whole, as a TRUNCATE does: one '*' for the nearest index
        // and cell -1 (recount all) for the tiles, not the row-by-row marks of the change triggers (disabled for the load).
        await using (var conn = await Factory.OpenAsync())
        await using (var clear = new Npgsql.NpgsqlCommand("DELETE FROM nearest_change; DELETE FROM tile_cell_dirty", conn))
        {
            await clear.ExecuteNonQueryAsync();
        }
        var csv = File(
            "B1,Comisaría del Norte,police,9.9333,-84.0833,+506 2222 3333,Calle 1,San José,CR",
            "B2,Línea del Sur,helpline,9.94,-84.07,1147,Calle 2,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=bulk&indexes=rebuild");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(2, result.Count("services.created"));
        await using (var conn = await Factory.OpenAsync())
        {
            await using var changes = new Npgsql.NpgsqlCommand(
                "SELECT (SELECT string_agg(kind::text || coalesce(id::text, ''), ',') FROM nearest_change), (SELECT string_agg(cell::text, ',') FROM tile_cell_dirty)", conn);
            await using var reader = await changes.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("*", reader.GetString(0));
            Assert.Equal("-1", reader.GetString(1));
            await using var enabled = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'O'", conn);
            await reader.DisposeAsync();
            Assert.Equal(0L, await enabled.ExecuteScalarAsync());
        }
        var near = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.94&lng=-84.07&category=helpline&limit=1");
        Assert.Equal("Línea del Sur", near.GetProperty("results")[0].GetProperty("service").GetProperty("name").GetString());
        var tile = await Public.GetAsync("/tiles/services/10/" + TileX(10, -84.07) + "/" + TileY(10, 9.94) + ".mvt");
        Assert.Equal(HttpStatusCode.OK, tile.StatusCode);
        Assert.NotEmpty(await tile.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Import_BulkLoad_ReportsTheTimeOfEachRebuiltIndex()
    {
        // Where a bulk load's index rebuild goes (benchmarks tabulate it): one timing per index, the foreign keys, the ANALYZE.
        var csv = File(
            "T1,Comisaría del Este,police,9.9333,-84.0833,+506 2222 3333,Calle 1,San José,CR",
            "T2,Línea del Oeste,helpline,9.94,-84.07,1147,Calle 2,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=timed&indexes=rebuild");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        var timings = result.Report.GetProperty("timings_ms");
        foreach (var key in new[] { "indexes_rebuild.ix_service_search_document", "indexes_rebuild.ix_service_name_trgm", "indexes_rebuild.ix_location_point",
            "indexes_rebuild.foreign_keys", "indexes_rebuild.analyze" })
        {
            Assert.True(timings.TryGetProperty(key, out var ms) && ms.GetInt64() >= 0, $"{key} missing from {timings}");
        }
    }

    private static int TileX(int z, double lng) => (int)Math.Floor((lng + 180) / 360 * (1 << z));

    private static int TileY(int z, double lat)
    {
        var r = lat * Math.PI / 180;
        return (int)Math.Floor((1 - (Math.Log(Math.Tan((Math.PI / 4) + (r / 2))) / Math.PI)) / 2 * (1 << z));
    }

    [Fact]
    public async Task Import_MappingFile_MapsColumnsTranslatesValuesAndAppliesDefaults()
    {
        var csv = "Código;Nombre;Tipo;Latitud;Longitud;Tel.;Notas\n"
            + "C-1;Fiscalía de Liberia;Fiscalía;10,6346;-85,4407;2690 0000;abre temprano\n"
            + "C-2;Albergue Esperanza;Albergue;10,63;-85,44;2690 0001|2690 0002;\n";
        const string Mapping = """
            {
              "columns": { "Código": "source_id", "Tipo": "category", "Tel.": "phone", "Notas": "ignore" },
              "values": { "category": { "Fiscalía": "justice", "Albergue": "shelter" } },
              "defaults": { "country": "CR", "city": "Liberia", "visibility": "approximate" },
              "list_separator": "|"
            }
            """;

        var result = await ImportApi.PostFilesAsync(Client, [("directorio.csv", Encoding.UTF8.GetBytes(csv))], Mapping);

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal("directorio.csv", result.Report.GetProperty("source").GetString());
        var shelter = await Factory.WithDbAsync(db => db.Services.Include(s => s.Phones).Include(s => s.ServiceAtLocations).ThenInclude(x => x.Location)
            .SingleAsync(s => s.SourceId == "C-2"));
        Assert.Equal(["+50626900001", "+50626900002"], shelter.Phones.Select(p => p.Number).Order());
        var location = Assert.Single(shelter.ServiceAtLocations).Location!;
        Assert.Equal("approximate", location.Visibility);
        Assert.Equal(10.63, location.Point!.Y, 6);
        Assert.Equal("directorio.csv", location.Source);
    }

    [Fact]
    public async Task Import_BadRows_RejectsEachWithItsLineAndReason()
    {
        var csv = File(
            "A1,Comisaría Central,police,9.9333,-84.0833,+506 2222 3333,Calle 1,San José,CR",
            "A2,No position,police,,,2222,Calle 2,San José,CR",
            "A3,Garbled position,police,9.9N,-84.07,2222,,San José,CR",
            "A4,Swapped,police,-84.07,9.94,2222,,San José,CR",
            "A5,Out of range,police,99.5,-84.07,2222,,San José,CR",
            "A6,Null island,police,0,0,2222,,San José,CR",
            "A7,In Panama,police,8.98,-79.52,2222,,Panamá,CR",
            "A8,Unknown category,bananas,9.95,-84.05,2222,,San José,CR",
            "A9,Bad phone,police,9.95,-84.05,call me,,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=bad&dry_run=true");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(9, result.Count("records"));
        Assert.Equal(8, result.Count("rejected"));
        Assert.Empty(result.CodesAt(2));
        Assert.Equal(["missing_coordinates"], result.CodesAt(3));
        Assert.Equal(["unparsable_coordinates"], result.CodesAt(4));
        Assert.Equal(["coordinates_swapped"], result.CodesAt(5));
        Assert.Equal(["coordinates_out_of_range"], result.CodesAt(6));
        Assert.Equal(["null_island"], result.CodesAt(7));
        Assert.Equal(["outside_country"], result.CodesAt(8));
        Assert.Equal(["unknown_category"], result.CodesAt(9));
        Assert.Equal(["invalid_phone"], result.CodesAt(10));
        var panama = Assert.Single(result.Rejected, r => r.GetProperty("line").GetInt64() == 8);
        Assert.Contains("it lies in PA", panama.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("A7", panama.GetProperty("source_id").GetString());
        // The same reason as the API's, word for word.
        var phone = Assert.Single(result.Rejected, r => r.GetProperty("line").GetInt64() == 10);
        // The file's own column, not the document path the validator speaks of (issue 16).
        Assert.Equal("phone", phone.GetProperty("field").GetString());
        Assert.StartsWith("must be a phone number", phone.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, result.Report.GetProperty("rejected_by_code").GetProperty("outside_country").GetInt64());
    }

    [Fact]
    public async Task Import_Rejections_NameTheFilesOwnColumnsAndTheRowOfEachLocation()
    {
        // Headers as a user writes them: the report must say "Latitud" and "Tel.", not service_at_locations[0].location.latitude.
        var csv = "Código;Nombre;Tipo;Latitud;Longitud;Tel.;País\n"
            + "K1;Comisaría Central;police;9,9333;-84,0833;2222 3333;CR\n"
            + "K2;Fuera de rango;police;99,5;-84,07;2222 3333;CR\n"
            + "K3;Teléfono malo;police;9,95;-84,05;call me;CR\n"
            + "K4;Categoría rara;bananas;9,95;-84,05;2222 3333;CR\n"
            + "K5;Dos sedes;police;9,94;-84,06;2222 3333;CR\n"
            + "K5;Dos sedes;police;0;0;;CR\n"
            + "K6;Sin longitud;police;9,94;;2222 3333;CR\n"
            + "K7;Texto;police;norte;-84,06;2222 3333;CR\n";

        var result = await ImportApi.PostFilesAsync(Client, [("sedes.csv", Encoding.UTF8.GetBytes(csv))], query: "dry_run=true");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        var rejected = result.Rejected
            .Select(r => $"{r.GetProperty("line").GetInt64()} {r.GetProperty("field").GetString()} {r.GetProperty("code").GetString()}").ToList();
        Assert.Equal(
            ["3 Latitud coordinates_out_of_range", "4 Tel. invalid_phone", "5 Tipo unknown_category", "7 Latitud null_island",
             "8 Longitud missing_coordinates", "9 Latitud unparsable_coordinates"],
            rejected);
        Assert.DoesNotContain(result.Rejected, r => r.GetProperty("field").GetString()!.Contains('[', StringComparison.Ordinal));
    }

    /// <summary>Enough rows for the importer to validate them in parallel (issue 15): the report must not show it.</summary>
    private static string ManyRows(Func<int, string> row, int count = 300) =>
        string.Join("\n", Enumerable.Range(1, count).Select(row).Prepend(Header)) + "\n";

    [Fact]
    public async Task Import_ValidatedInParallel_ReportsRejectionsInLineOrder_TheSameEveryTime()
    {
        // Every 7th row is out of range, every 11th has an unknown category, every 13th an unreadable phone.
        var csv = ManyRows(i => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"M{i},Servicio {i},{(i % 11 == 0 ? "bananas" : "police")},{(i % 7 == 0 ? 99.5 : 9.9 + i * 0.0001)},-84.07,{(i % 13 == 0 ? "call me" : "+506 2222 3333")},,San José,CR"));

        var runs = new List<List<string>>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var result = await ImportApi.PostAsync(Client, csv, Csv, "source=order&dry_run=true&valid_only=true");
            Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
            runs.Add([.. result.Rejected.Select(r => $"{r.GetProperty("line").GetInt64()} {r.GetProperty("field").GetString()} {r.GetProperty("code").GetString()}")]);
        }

        var expected = Enumerable.Range(1, 300)
            .SelectMany(i => new[]
            {
                i % 7 == 0 ? $"{i + 1} lat coordinates_out_of_range" : null,
                i % 11 == 0 ? $"{i + 1} category unknown_category" : null,
                i % 13 == 0 ? $"{i + 1} phone invalid_phone" : null,
            }.OfType<string>())
            .ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), runs[0].Order(StringComparer.Ordinal));
        Assert.Equal(runs[0].Select(r => long.Parse(r.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).Order(), runs[0].Select(r => long.Parse(r.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(runs[0], runs[1]);
        Assert.Equal(runs[0], runs[2]);
    }

    [Fact]
    public async Task Import_ValidatedInParallel_ARowMayUseAnOrganizationAnEarlierRowOfTheSameBatchBrings()
    {
        // Row 1 brings the organization (id and name, as the export writes them); the rows after it only give its id.
        // One by one that is valid; validated in parallel, the later rows first miss it and are checked again in order.
        var org = Guid.NewGuid();
        var csv = "id,name,category,lat,lon,organization_id,organization\n" + string.Join("\n", Enumerable.Range(1, 200).Select(i =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"O{i},Servicio {i},police,{9.9 + i * 0.0001},-84.07,{org},{(i == 1 ? "Red de apoyo" : "")}"))) + "\n";

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=orgs&country=CR");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Empty(result.Rejected);
        Assert.Equal(200, result.Count("services.created"));
        Assert.Equal(200, await Factory.WithDbAsync(db => db.Services.CountAsync(s => s.OrganizationId == org)));
    }

    [Fact]
    public async Task Import_JsonDocument_KeepsTheDocumentsPaths()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var doc = TestData.Service(org, "Path probe");
        doc["service_at_locations"]![0]!["location"]!["latitude"] = 99.5;

        var result = await ImportApi.PostAsync(Client, doc.ToJsonString(), "application/json", "source=paths&dry_run=true");

        var issue = Assert.Single(result.Rejected);
        Assert.Equal("service_at_locations[0].location.latitude", issue.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Import_DuplicateCheckOnEveryCore_ReportsWhatTheOneByOneCheckReports_AcrossStripeEdges()
    {
        // 600 rows within about 65 m of latitude 9.928, an edge between two stripes of the parallel duplicate check, with
        // a few similar names: most probable duplicates lie across the edge. Every 37th row is out of range (rejected, so
        // never compared). The report must list exactly what one finder walking the file in order finds, in line order.
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        string[] names = ["Comisaría de Pavas", "Comisaria Pavas", "Comisaría Pavas Sur", "Centro de Salud Pavas", "Oficina Regional"];
        var random = new Random(15);
        var rows = Enumerable.Range(1, 600).Select(i => (
            Key: $"S{i}",
            Name: names[random.Next(names.Length)],
            Category: random.Next(3) == 0 ? "health" : "police",
            Lat: i % 37 == 0 ? 99.5 : Math.Round(9.928 + (random.NextDouble() - 0.5) * 0.0012, 6),
            Lon: Math.Round(-84.08 + random.NextDouble() * 0.0006, 6))).ToList();
        var csv = File([.. rows.Select(r => string.Create(inv, $"{r.Key},{r.Name},{r.Category},{r.Lat},{r.Lon},2222,,San José,CR"))]);

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=stripes&dry_run=true&valid_only=true");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        var one = new Referral.Api.Features.Imports.DuplicateFinder();
        var expected = new List<string>();
        var across = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            if (r.Lat > 90)
            {
                continue;
            }
            foreach (var (key, origin, metres, name) in one.Add(r.Lat, r.Lon, [r.Category], r.Name, r.Key, new Referral.Api.Features.Imports.Origin("x", i + 2)))
            {
                expected.Add(string.Create(inv, $"{i + 2} probable_duplicate probably the same as '{name}' (line {origin.Line}, id {key}), {metres:0} m away with the same category."));
                across += (r.Lat < 9.928) != (rows[(int)origin.Line - 2].Lat < 9.928) ? 1 : 0;
            }
        }
        Assert.True(across > 50, $"only {across} duplicates across the edge");
        var actual = result.Warnings.Select(w => $"{w.GetProperty("line").GetInt64()} {w.GetProperty("code").GetString()} {w.GetProperty("message").GetString()}").ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(Enumerable.Range(1, 600).Where(i => i % 37 == 0).Select(i => (long)i + 1), result.Rejected.Select(r => r.GetProperty("line").GetInt64()));
    }

    [Fact]
    public async Task Import_UnnamedAndDuplicateRows_AreAcceptedWithWarnings()
    {
        var csv = File(
            "D1,Comisaría de Pavas,police,9.9500,-84.1300,2222,,San José,CR",
            "D2,Comisaria Pavas,police,9.9502,-84.1301,2222,,San José,CR",
            "D3,Comisaría de Pavas,health,9.9501,-84.1300,2222,,San José,CR",
            "D4,,police,9.97,-84.05,2222,,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=dups");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(4, result.Count("services.created"));
        Assert.Equal(["probable_duplicate"], result.CodesAt(3, "warnings"));
        Assert.Empty(result.CodesAt(4, "warnings"));
        Assert.Equal(["unnamed"], result.CodesAt(5, "warnings"));
        var unnamed = Assert.Single(result.Warnings, w => w.GetProperty("code").GetString() == "unnamed");
        Assert.Contains("Police post (unnamed), San José", unnamed.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, result.Count("with_warnings"));
    }

    [Fact]
    public async Task Import_CloseToASimilarServiceAlreadyInTheDirectory_WarnsProbableDuplicate()
    {
        var first = await ImportApi.PostAsync(Client, File("D1,Comisaría de Pavas,police,9.9500,-84.1300,2222,,San José,CR"), Csv, "source=first");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var csv = File(
            "E1,Comisaria Pavas,police,9.9502,-84.1301,2222,,San José,CR",    // ~25 m, same category, similar name
            "E2,Comisaría de Pavas,health,9.9501,-84.1300,2222,,San José,CR", // other category
            "E3,Oficina Regional Norte,police,9.9501,-84.1300,2222,,San José,CR", // other name
            "E4,Comisaría de Pavas,police,9.9520,-84.1300,2222,,San José,CR"); // ~220 m away

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=second");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(["probable_duplicate"], result.CodesAt(2, "warnings"));
        var warning = Assert.Single(result.Warnings, w => w.GetProperty("code").GetString() == "probable_duplicate");
        Assert.Contains("already in the directory", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("Comisaría de Pavas", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, result.Count("services.created"));
    }

    [Fact]
    public async Task Import_ManyRecordsOnOneSpot_BoundsTheDuplicateCheckAndSaysSo()
    {
        // 250 police offices geocoded to the same town centre, with similar names ("Delegación 1", "Delegación 2", …).
        var rows = Enumerable.Range(1, 250).Select(i => $"P{i},Delegación {i},police,9.9500,-84.1300,2222,,San José,CR").ToArray();

        var result = await ImportApi.PostAsync(Client, File(rows), Csv, "source=pileup");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(250, result.Count("services.created"));
        var perLine = result.Warnings.Where(w => w.GetProperty("code").GetString() == "probable_duplicate")
            .GroupBy(w => w.GetProperty("line").GetInt64()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(249, perLine.Count); // every record but the first has earlier look-alikes
        Assert.All(perLine.Values, n => Assert.InRange(n, 1, 3));
        Assert.Contains(result.Report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("crowded spots", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_AllOrNothingWithARejectedRow_WritesNothingAndAnswers422WithTheReport()
    {
        var before = await DatabaseSnapshot.TakeAsync(Factory);
        var csv = File(
            "A1,Comisaría Central,police,9.9333,-84.0833,2222,Calle 1,San José,CR",
            "A2,Broken,police,9.9333,-84.0833,not a phone,Calle 1,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=aon");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.Status);
        Assert.Equal("VALIDATION_FAILED", result.Body.GetProperty("code").GetString());
        Assert.Equal("rejected", result.Report.GetProperty("status").GetString());
        Assert.False(result.Report.GetProperty("committed").GetBoolean());
        Assert.Equal(1, result.Count("rejected"));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Import_ValidOnly_WritesTheValidRowsAndReportsTheRest()
    {
        var csv = File(
            "A1,Comisaría Central,police,9.9333,-84.0833,2222,Calle 1,San José,CR",
            "A2,Broken,police,9.9333,-84.0833,not a phone,Calle 1,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=partial&valid_only=true");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("committed", result.Report.GetProperty("status").GetString());
        Assert.Equal(1, result.Count("services.created"));
        Assert.Equal(1, result.Count("rejected"));
        Assert.Contains("1 rejected and not imported", result.Report.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await Factory.WithDbAsync(db => db.Services.CountAsync(s => s.Source == "partial")));
    }

    [Fact]
    public async Task Import_DryRun_ReportsWhatWouldHappenAndWritesNothing()
    {
        var before = await DatabaseSnapshot.TakeAsync(Factory);
        var csv = File("A1,Comisaría Central,police,9.9333,-84.0833,2222,Calle 1,San José,CR");

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=dry&dry_run=true");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal("dry_run", result.Report.GetProperty("status").GetString());
        Assert.Equal(1, result.Count("services.created"));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Import_SameFileTwice_UpdatesInsteadOfDuplicatingAndAuditsOnlyRealChanges()
    {
        var v1 = File(
            "A1,Comisaría Central,police,9.9333,-84.0833,2222 3333,Calle 1,San José,CR",
            "A2,Línea 1147,helpline,9.94,-84.07,1147,Calle 2,San José,CR");
        var v2 = File(
            "A1,Comisaría Central Norte,police,9.9333,-84.0833,2222 4444,Calle 1,San José,CR",
            "A2,Línea 1147,helpline,9.94,-84.07,1147,Calle 2,San José,CR");

        var first = await ImportApi.PostAsync(Client, v1, Csv, "source=stations");
        var again = await ImportApi.PostAsync(Client, v1, Csv, "source=stations");
        var lastModified = await Factory.WithDbAsync(db => db.Services.Where(s => s.SourceId == "A2").Select(s => s.LastModified).SingleAsync());
        var changed = await ImportApi.PostAsync(Client, v2, Csv, "source=stations");

        Assert.Equal(2, first.Count("services.created"));
        Assert.Equal(2, again.Count("services.unchanged"));
        Assert.Equal(0, again.Count("services.created") + again.Count("services.updated"));
        Assert.Equal(1, changed.Count("services.updated"));
        Assert.Equal(1, changed.Count("services.unchanged"));
        Assert.Equal(2, await Factory.WithDbAsync(db => db.Services.CountAsync(s => s.Source == "stations")));
        Assert.Equal(lastModified, await Factory.WithDbAsync(db => db.Services.Where(s => s.SourceId == "A2").Select(s => s.LastModified).SingleAsync()));
        var a1 = await Factory.WithDbAsync(db => db.Services.Include(s => s.Phones).SingleAsync(s => s.SourceId == "A1"));
        Assert.Equal("Comisaría Central Norte", a1.Name);
        Assert.Equal("+50622224444", Assert.Single(a1.Phones).Number);
        var audit = await Client.GetFromJsonAsync<JsonElement>($"/api/audit?entity_type=service&entity_id={a1.Id}");
        var entries = audit.GetProperty("contents").EnumerateArray().ToList();
        Assert.Equal(["update", "create"], entries.Select(e => e.GetProperty("action").GetString()));
        var update = entries[0];
        Assert.Equal("Comisaría Central", update.GetProperty("before").GetProperty("name").GetString());
        Assert.Equal("Comisaría Central Norte", update.GetProperty("after").GetProperty("name").GetString());
        Assert.Equal("+50622224444", update.GetProperty("after").GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal("test-admin", update.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task Import_ColumnsNotInTheFile_AreLeftAloneOnExistingRecords()
    {
        await ImportApi.PostAsync(Client, File("A1,Comisaría Central,police,9.9333,-84.0833,2222,Calle 1,San José,CR"), Csv, "source=partial-cols");
        var id = await Factory.WithDbAsync(db => db.Services.Where(s => s.SourceId == "A1").Select(s => s.Id).SingleAsync());
        var doc = (await Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/services/{id}"))!;
        doc["schedules"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
        {
            ["byday"] = "MO",
            ["opens_at"] = "08:00",
            ["closes_at"] = "12:00",
            ["time_zone"] = "America/Costa_Rica",
        });
        doc["description"] = "Added by an editor.";
        (await Client.PutAsJsonAsync($"/api/services/{id}", doc)).EnsureSuccessStatusCode();

        var result = await ImportApi.PostAsync(Client, "id,name,phone\nA1,Comisaría Central,2222 9999\n", Csv, "source=partial-cols");

        Assert.Equal(1, result.Count("services.updated"));
        var service = await Factory.WithDbAsync(db => db.Services.Include(s => s.Schedules).Include(s => s.Phones).Include(s => s.ServiceAtLocations).SingleAsync(s => s.Id == id));
        Assert.Equal("Added by an editor.", service.Description);
        Assert.Single(service.Schedules);
        Assert.Single(service.ServiceAtLocations);
        Assert.Equal("2222 9999", Assert.Single(service.Phones).Number);
    }

    [Fact]
    public async Task Import_ByCaseworkerOrAnonymous_IsRefused()
    {
        var caseworker = Factory.CreateClient(await Factory.CreateKeyAsync("import-caseworker", Roles.Caseworker));
        var csv = File("A1,Comisaría Central,police,9.9333,-84.0833,2222,Calle 1,San José,CR");

        var anonymous = await ImportApi.PostAsync(Public, csv, Csv);
        var forbidden = await ImportApi.PostAsync(caseworker, csv, Csv);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.Equal(0, await Factory.WithDbAsync(db => db.Services.CountAsync()));
    }

    [Fact]
    public async Task Import_UnreadableLineAfterAFullBatch_Answers400WithItsLine_AndWritesNothing()
    {
        // The CSV is read a batch ahead of validation: an error after the first full batch (20,000 records, already validated
        // and staged) still stops the import with its own line, and nothing is written.
        var rows = Enumerable.Range(1, 20_005).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"R{i},Servicio {i},police,{9.9 + (i % 100 * 0.001)},{-84.07 - (i / 100 * 0.001)}"));
        var csv = "id,name,category,lat,lon\n" + string.Join("\n", rows) + "\nR0,\"unterminated\n";
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=late&country=CR");

        Assert.True(result.Status == HttpStatusCode.BadRequest, result.Body.ToString());
        Assert.Equal(20_007, result.Body.GetProperty("line").GetInt64());
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Import_ReimportOverSeveralBatches_LookupsWaitForThePreviousBatchCopy_AndFindEveryRecordAgain()
    {
        // The previous batch's COPY runs on the connection while the next batch is looked up; a re-import's lookups (by
        // source id) query the directory, so each waits for that COPY first. The second import finds every record again.
        var rows = Enumerable.Range(1, 20_005).Select(i => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"R{i},Servicio {i},police,{9.9 + (i % 100 * 0.001)},{-84.07 - (i / 100 * 0.001)}"));
        var csv = "id,name,category,lat,lon\n" + string.Join("\n", rows) + "\n";

        var first = await ImportApi.PostAsync(Client, csv, Csv, "source=twice&country=CR");
        var second = await ImportApi.PostAsync(Client, csv, Csv, "source=twice&country=CR");

        Assert.True(first.Status == HttpStatusCode.OK, first.Body.ToString());
        Assert.Equal(20_005, first.Count("services.created"));
        Assert.True(second.Status == HttpStatusCode.OK, second.Body.ToString());
        Assert.Equal(0, second.Count("services.created"));
        Assert.Equal(0, second.Count("locations.created"));
        Assert.Equal(20_005, second.Count("services.unchanged") + second.Count("services.updated"));
        Assert.Equal(20_005, await Factory.WithDbAsync(db => db.Services.CountAsync(s => s.Source == "twice")));
    }

    [Fact]
    public async Task Import_UnreadableInput_Answers400WithTheLine()
    {
        var result = await ImportApi.PostAsync(Client, "id,name\nA1,\"unterminated\n", Csv);
        var json = await ImportApi.PostAsync(Client, "[{\"name\": \"x\"},\n{\"name\": ", "application/json");
        var unsupported = await ImportApi.PostAsync(Client, "name\nx\n", "text/plain");

        Assert.Equal(HttpStatusCode.BadRequest, result.Status);
        Assert.Equal(2, result.Body.GetProperty("line").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, json.Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, unsupported.Status);
    }
}
