using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

public sealed class HsdsImportTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static readonly string ExampleFolder = Path.Combine(ImportApi.Folder(), "HsdsExample");

    private static List<(string Name, byte[] Content)> ExampleFiles() =>
        [.. Directory.GetFiles(ExampleFolder, "*.csv").Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f)))];

    [Fact]
    public async Task Import_OfficialHsdsExamplePackage_ReportsEveryProblemWithItsTableAndLine()
    {
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var result = await ImportApi.PostFilesAsync(Client, ExampleFiles(), query: "source=hsds-example");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.Status);
        Assert.Equal("hsds-csv", result.Report.GetProperty("format").GetString());
        Assert.Equal(2, result.Count("records"));
        Assert.Equal(1, result.Count("rejected"));
        var problems = result.Rejected.Select(r => (
            File: r.GetProperty("file").GetString(), Line: r.GetProperty("line").GetInt64(), Code: r.GetProperty("code").GetString(), Field: r.GetProperty("field").GetString())).ToList();
        Assert.Contains(("locations.csv", 2L, "coordinates_out_of_range", "service_at_locations[0].location.latitude"), problems);
        Assert.Contains(("locations.csv", 2L, "unknown_reference", "service_at_locations[0].location.organization_id"), problems);
        Assert.Contains(("phones.csv", 2L, "invalid_phone", "phones[0].number"), problems);
        Assert.Contains(("service_areas.csv", 2L, "invalid_value", "service_areas[0].extent"), problems);
        Assert.All(result.Rejected, r => Assert.Equal("ac148810-d857-441c-9679-408f346de14b", r.GetProperty("source_id").GetString()));
        var notes = result.Report.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.StartsWith("contacts.csv: 1 row(s) not imported", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("attributes.csv: 1 row(s) not imported", StringComparison.Ordinal));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Import_OfficialHsdsExamplePackageZipped_ValidOnly_WritesTheValidOrganization()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in ExampleFiles())
            {
                await using var entry = await archive.CreateEntry("examples/csv/" + name).OpenAsync();
                await entry.WriteAsync(content);
            }
        }
        using var body = new ByteArrayContent(zip.ToArray());
        body.Headers.ContentType = new("application/zip");

        using var response = await Client.PostAsync("/api/imports?valid_only=true&source=hsds-example", body);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("committed", report.GetProperty("status").GetString());
        Assert.Equal(1, report.GetProperty("counts").GetProperty("organizations").GetProperty("created").GetInt64());
        Assert.Equal(0, report.GetProperty("counts").GetProperty("services").GetProperty("created").GetInt64());
        var org = await Public.GetFromJsonAsync<JsonElement>("/api/organizations/d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610");
        Assert.Equal("Example Organization Inc.", org.GetProperty("name").GetString());
        Assert.Equal(2011, org.GetProperty("year_incorporated").GetInt32());
    }

    /// <summary>
    /// Sweep 12: a zip's entries are read whole into memory (the package's tables are joined there), and the upload cap
    /// counted only the compressed bytes — so a small archive that inflates to many GiB (a zip bomb, deflate reaches about
    /// 1,000:1) could exhaust the server's memory. The entries' uncompressed sizes (which bound what .NET inflates) now
    /// count against the same cap, before anything is read. And an archive that is not one was a 500; now a 400.
    /// </summary>
    [Fact]
    public async Task Import_ZipThatInflatesBeyondTheUploadCap_Is413_AndABrokenZipIs400()
    {
        var before = await DatabaseSnapshot.TakeAsync(Factory);
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = await archive.CreateEntry("services.csv").OpenAsync();
            await entry.WriteAsync("id,name,status\n"u8.ToArray());
        }
        // Claim 2 GiB uncompressed in the central directory (what a bomb's entry says) without sending them.
        var bytes = zip.ToArray();
        var central = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 24), int.MaxValue);
        using var bomb = new ByteArrayContent(bytes);
        bomb.Headers.ContentType = new("application/zip");
        using var broken = new ByteArrayContent("PK\u0003\u0004 not really a zip archive"u8.ToArray());
        broken.Headers.ContentType = new("application/zip");
        // An entry compressed by a method this reader does not know (method 99, as an AES-encrypted archive's).
        var odd = zip.ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(odd.AsSpan(8), 99);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(odd.AsSpan(odd.AsSpan().IndexOf("PK\u0001\u0002"u8) + 10), 99);
        using var unsupported = new ByteArrayContent(odd);
        unsupported.Headers.ContentType = new("application/zip");

        using var inflated = await Client.PostAsync("/api/imports?dry_run=true&format=hsds-csv", bomb);
        using var unreadable = await Client.PostAsync("/api/imports?dry_run=true", broken);
        using var unreadableEntry = await Client.PostAsync("/api/imports?dry_run=true&format=hsds-csv", unsupported);

        await Problem.AssertAsync(inflated, HttpStatusCode.RequestEntityTooLarge, Referral.Api.Infrastructure.ErrorCodes.PayloadTooLarge);
        await Problem.AssertAsync(unreadable, HttpStatusCode.BadRequest, Referral.Api.Infrastructure.ErrorCodes.BadRequest);
        await Problem.AssertAsync(unreadableEntry, HttpStatusCode.BadRequest, Referral.Api.Infrastructure.ErrorCodes.BadRequest);
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(Factory));
    }

    [Fact]
    public async Task Import_HsdsDocuments_CreatesServicesWithTheirOrganizationAndTaxonomyTerms()
    {
        var (first, second) = (Document("Asesoría legal gratuita", 9.93, -84.08), Document("Apoyo psicosocial", 9.94, -84.07));
        var array = new JsonArray(first, second).ToJsonString();

        var result = await ImportApi.PostAsync(Client, array, "application/json", "source=partner");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(1, result.Count("organizations.created"));
        Assert.Equal(1, result.Count("taxonomy_terms_created"));
        var detail = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{first["id"]!.GetValue<Guid>()}");
        Assert.Equal("Red de apoyo", detail.GetProperty("organization").GetProperty("name").GetString());
        Assert.Contains(detail.GetProperty("attributes").EnumerateArray(),
            a => a.GetProperty("taxonomy_term").GetProperty("code").GetString() == "free-of-charge"
                 && a.GetProperty("taxonomy_term").GetProperty("taxonomy_detail").GetProperty("name").GetString() == "partner-features");
        Assert.Equal(["legal_aid"], detail.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public async Task Import_Ndjson_RejectsTheBadLineAndKeepsTheRestWhenAsked()
    {
        var ndjson = string.Join("\n",
            Document("Uno", 9.93, -84.08).ToJsonString(),
            Document("Dos", 9.94, -84.07).ToJsonString(),
            "{\"id\": \"2b0d3c37-6a55-4bd8-a5f1-1e0b9c5d2a10\", \"name\": \"Tres\", \"status\": \"gone\"}") + "\n";

        var result = await ImportApi.PostAsync(Client, ndjson, "application/x-ndjson", "source=lines&valid_only=true");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(["invalid_value", "invalid_value"], result.CodesAt(3).Order());
        Assert.Contains(result.Rejected, r => r.GetProperty("field").GetString() == "status");
        Assert.Contains(result.Rejected, r => r.GetProperty("field").GetString() == "organization_id");
    }

    [Fact]
    public async Task Import_ServiceIdOfAnotherSource_IsRejectedAsAConflict()
    {
        var doc = Document("Uno", 9.93, -84.08);
        await ImportApi.PostAsync(Client, doc.ToJsonString(), "application/json", "source=first");

        var result = await ImportApi.PostAsync(Client, doc.ToJsonString(), "application/json", "source=second");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, result.Status);
        Assert.Equal(["id_conflict"], result.CodesAt(1));
    }

    [Fact]
    public async Task Import_ServiceReadFromThePublicApi_KeepsTheExactPointOfItsConfidentialLocation()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Albergue", 9.9812, -84.1234, "shelter", "approximate"));
        var id = created.GetProperty("id").GetGuid();
        var publicView = await Public.GetStringAsync($"/api/services/{id}");

        var result = await ImportApi.PostAsync(Client, publicView, "application/json", "source=echo");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        var location = await Factory.WithDbAsync(db => db.Locations.Include(l => l.Addresses).SingleAsync(l => l.ServiceAtLocations.Any(x => x.ServiceId == id)));
        Assert.Equal(9.9812, location.Point!.Y, 6);
        Assert.Equal(-84.1234, location.Point.X, 6);
        Assert.Single(location.Addresses);
    }

    [Fact]
    public async Task Reimport_ChangingOnlyALinkToAHiddenPlace_KeepsThePublicVersion_ALinkThePublicSeesMovesIt()
    {
        var doc = Document("Uno", 9.93, -84.08);
        var id = doc["id"]!.GetValue<Guid>();
        await ImportOkAsync(doc);
        var first = await VersionsAsync(id);

        // a shelter linked: the public sees nothing of it (no place, no count), so nothing changed for the public
        var links = doc["service_at_locations"]!.AsArray();
        links.Add(Link("Albergue", 9.95, -84.10, "hidden"));
        var linked = await ImportOkAsync(doc);
        Assert.Equal(1, linked.Count("services.updated"));
        var afterHidden = await VersionsAsync(id);
        Assert.NotEqual(first.Editor, afterHidden.Editor);
        Assert.Equal(first.Public, afterHidden.Public);

        // and unlinked again: still nothing the public could see
        links.RemoveAt(1);
        await ImportOkAsync(doc);
        var afterUnlink = await VersionsAsync(id);
        Assert.NotEqual(afterHidden.Editor, afterUnlink.Editor);
        Assert.Equal(first.Public, afterUnlink.Public);

        // a place the public sees generalised is on the map: the public version moves
        links.Add(Link("Oficina", 9.97, -84.12, "approximate"));
        await ImportOkAsync(doc);
        var afterApproximate = await VersionsAsync(id);
        Assert.NotEqual(first.Public, afterApproximate.Public);
        Assert.Equal(afterApproximate.Editor.LastModified, afterApproximate.Public.LastModified);
    }

    [Fact]
    public async Task Reimport_MovingAPublicPlace_MovesTheServicesPublicVersion()
    {
        var doc = Document("Dos", 9.93, -84.08);
        var id = doc["id"]!.GetValue<Guid>();
        await ImportOkAsync(doc);
        var first = await VersionsAsync(id);

        doc["service_at_locations"]![0]!["location"]!["latitude"] = 9.94;
        await ImportOkAsync(doc);

        var after = await VersionsAsync(id);
        Assert.NotEqual(first.Public, after.Public);
        Assert.NotEqual(first.Editor, after.Editor);
    }

    [Fact]
    public async Task Reimport_MovingAShelterWithinItsPublicCell_KeepsThePublicVersion_ForEveryServiceThere()
    {
        var doc = Document("Tres", 9.93, -84.08);
        var id = doc["id"]!.GetValue<Guid>();
        doc["service_at_locations"]!.AsArray().Add(Link("Albergue", 9.9812, -84.1234, "approximate"));
        await ImportOkAsync(doc);
        var first = await VersionsAsync(id);

        doc["service_at_locations"]![1]!["location"]!["latitude"] = 9.9813;
        await ImportOkAsync(doc);

        var after = await VersionsAsync(id);
        Assert.Equal(first.Public, after.Public);
        Assert.NotEqual(first.Editor, after.Editor);
    }

    private async Task<ImportApi.Result> ImportOkAsync(JsonObject doc)
    {
        var result = await ImportApi.PostAsync(Client, doc.ToJsonString(), "application/json", "source=partner");
        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        return result;
    }

    private sealed record Version(string? ETag, string? LastModified);

    /// <summary>The version an anonymous reader sees (ETag, last_modified) and the one an editor sees.</summary>
    private async Task<(Version Public, Version Editor)> VersionsAsync(Guid id)
    {
        async Task<Version> Read(HttpClient client)
        {
            using var response = await client.GetAsync($"/api/services/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return new Version(response.Headers.ETag?.Tag, body.GetProperty("last_modified").GetString());
        }
        return (await Read(Public), await Read(Client));
    }

    private static JsonObject Link(string name, double lat, double lng, string visibility) => new()
    {
        ["id"] = Guid.NewGuid(),
        ["location"] = new JsonObject
        {
            ["id"] = Guid.NewGuid(),
            ["name"] = name,
            ["location_type"] = "physical",
            ["latitude"] = lat,
            ["longitude"] = lng,
            ["visibility"] = visibility,
        },
    };

    /// <summary>An HSDS service document with a nested organization, a category and a term of the partner's own taxonomy.</summary>
    private static JsonObject Document(string name, double lat, double lng) => new()
    {
        ["id"] = Guid.NewGuid(),
        ["organization_id"] = "7e1c8f52-2f1a-4c55-9a0b-3d8e5f6a7b10",
        ["organization"] = new JsonObject
        {
            ["id"] = "7e1c8f52-2f1a-4c55-9a0b-3d8e5f6a7b10",
            ["name"] = "Red de apoyo",
            ["description"] = "Una red de organizaciones.",
        },
        ["name"] = name,
        ["status"] = "active",
        ["categories"] = new JsonArray(name.StartsWith("Asesor", StringComparison.Ordinal) ? "legal_aid" : "psychosocial"),
        ["phones"] = new JsonArray(new JsonObject { ["id"] = Guid.NewGuid(), ["number"] = "+506 2222 1111" }),
        ["attributes"] = new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid(),
            ["taxonomy_term_id"] = "0f6a3c1e-8d5b-4a70-b2c9-1e4d7f8a9b20",
            ["taxonomy_term"] = new JsonObject
            {
                ["id"] = "0f6a3c1e-8d5b-4a70-b2c9-1e4d7f8a9b20",
                ["code"] = "free-of-charge",
                ["name"] = "Free of charge",
                ["description"] = "No fee.",
                ["taxonomy_detail"] = new JsonObject
                {
                    ["id"] = "5a2b9c7d-1e3f-4a60-8b7c-9d0e1f2a3b40",
                    ["name"] = "partner-features",
                    ["description"] = "The partner's own taxonomy.",
                },
            },
        }),
        ["service_at_locations"] = new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid(),
            ["location"] = new JsonObject
            {
                ["id"] = Guid.NewGuid(),
                ["name"] = name + " (sede)",
                ["location_type"] = "physical",
                ["latitude"] = lat,
                ["longitude"] = lng,
                ["addresses"] = new JsonArray(new JsonObject
                {
                    ["id"] = Guid.NewGuid(),
                    ["address_1"] = "Calle 3",
                    ["city"] = "San José",
                    ["state_province"] = "San José",
                    ["postal_code"] = "10101",
                    ["country"] = "CR",
                }),
            },
        }),
    };

    [Fact]
    public async Task Import_GeoJsonFeatures_CreatesServicesAtTheirPoints()
    {
        const string GeoJson = """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "id": "g1", "geometry": {"type": "Point", "coordinates": [-84.0833, 9.9333]},
               "properties": {"name": "Oficina de la Mujer", "category": ["psychosocial", "legal_aid"], "phone": "+506 2222 0000", "city": "San José", "country": "CR"}},
              {"type": "Feature", "id": "g2", "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]},
               "properties": {"name": "Not a point", "category": "police", "city": "San José", "country": "CR"}},
              {"type": "Feature", "id": "g3", "geometry": null, "properties": {"name": "Línea nacional", "category": "helpline", "phone": "1147", "country": "CR"}}
            ]}
            """;

        var result = await ImportApi.PostAsync(Client, GeoJson, "application/geo+json", "source=map&valid_only=true");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(["unparsable_coordinates"], result.CodesAt(4));
        var office = await Factory.WithDbAsync(db => db.Services.Include(s => s.Attributes).Include(s => s.ServiceAtLocations).ThenInclude(x => x.Location)
            .SingleAsync(s => s.SourceId == "g1"));
        Assert.Equal(2, office.Attributes.Count);
        Assert.Equal(9.9333, Assert.Single(office.ServiceAtLocations).Location!.Point!.Y, 6);
        Assert.Empty(await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(x => x.Service!.SourceId == "g3").ToListAsync()));
        Assert.Equal(["area_from_country"], result.CodesAt(6, "warnings"));
    }
}
