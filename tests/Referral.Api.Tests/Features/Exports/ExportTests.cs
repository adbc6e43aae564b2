using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Hsds;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Exports;

/// <summary>
/// Exports show locations as the public sees them — a hidden site never appears, an approximate one only generalised and
/// without its address — unless an admin asks for exact locations, and then the response says so.
/// </summary>
public sealed class ExportTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // The real sites; none of these numbers may appear in a public export.
    private const double ShelterLat = 9.98123, ShelterLng = -84.12345, SafeHouseLat = 9.95432, SafeHouseLng = -84.06789;

    private async Task<(Guid Public, Guid Shelter, Guid SafeHouse)> ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Red de protección");
        var open = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Oficina abierta", 9.9333, -84.0833, "psychosocial"));
        var shelter = TestData.Service(org, "Albergue", ShelterLat, ShelterLng, "shelter", "approximate");
        shelter["service_at_locations"]![0]!["location"]!["addresses"]![0]!["address_1"] = "Calle Secreta 77";
        var safeHouse = TestData.Service(org, "Casa segura", SafeHouseLat, SafeHouseLng, "shelter", "hidden");
        return (open.GetProperty("id").GetGuid(),
            (await TestData.CreateServiceAsync(Client, shelter)).GetProperty("id").GetGuid(),
            (await TestData.CreateServiceAsync(Client, safeHouse)).GetProperty("id").GetGuid());
    }

    public static TheoryData<string> Formats => ["hsds", "hsds-csv", "geojson", "csv"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Export_Public_CarriesNoExactConfidentialPlace(string format)
    {
        var ids = await ArrangeAsync();

        using var response = await Public.GetAsync($"/api/exports/{format}");
        var text = await ReadAllTextAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public", response.Headers.GetValues("Referral-Locations").Single());
        Assert.Contains(ids.Public.ToString(), text, StringComparison.Ordinal);
        Assert.Contains(ids.Shelter.ToString(), text, StringComparison.Ordinal);
        foreach (var secret in new[] { "9.98123", "-84.12345", "9.95432", "-84.06789", "Calle Secreta" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Export_AdminExact_IncludesEveryPlaceAndSaysSo(string format)
    {
        await ArrangeAsync();

        using var response = await Client.GetAsync($"/api/exports/{format}?exact=true");
        var text = await ReadAllTextAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("exact", response.Headers.GetValues("Referral-Locations").Single());
        Assert.Contains("-exact.", response.Content.Headers.ContentDisposition!.FileName, StringComparison.Ordinal);
        foreach (var exact in new[] { "9.98123", "-84.12345", "9.95432", "-84.06789", "Calle Secreta" })
        {
            Assert.Contains(exact, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Export_ExactByNonAdmins_IsRefused()
    {
        var caseworker = Factory.CreateClient(await Factory.CreateKeyAsync("export-caseworker", Roles.Caseworker));

        using var anonymous = await Public.GetAsync("/api/exports/csv?exact=true");
        using var forbidden = await caseworker.GetAsync("/api/exports/csv?exact=true");
        using var unknown = await Public.GetAsync("/api/exports/xlsx");

        await Problem.AssertAsync(anonymous, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        await Problem.AssertAsync(forbidden, HttpStatusCode.Forbidden, "FORBIDDEN");
        await Problem.AssertAsync(unknown, HttpStatusCode.NotFound, "NOT_FOUND");
    }

    [Fact]
    public async Task Export_Hsds_EveryLineIsAServiceDocumentThatConformsToHsds31()
    {
        await ArrangeAsync();

        var text = await Public.GetStringAsync("/api/exports/hsds?metadata=true");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        foreach (var line in lines)
        {
            var doc = JsonDocument.Parse(line).RootElement;
            Assert.Empty(HsdsSchemaValidator.Validate(doc, HsdsSchemaValidator.Service));
            Assert.Empty(HsdsSchemaValidator.FindNulls(doc));
            var metadata = Assert.Single(doc.GetProperty("metadata").EnumerateArray());
            Assert.Equal("create", metadata.GetProperty("last_action_type").GetString());
            Assert.Equal("directory editor", metadata.GetProperty("updated_by").GetString());
        }
    }

    [Fact]
    public async Task Export_HsdsMetadata_ShowsTheLastChangeFromTheAuditLog_ValuesOnlyInTheExactExport()
    {
        var ids = await ArrangeAsync();
        var doc = (await Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/services/{ids.Public}"))!;
        doc["name"] = "Oficina abierta de Pavas";
        using (var put = await Client.PutAsJsonAsync($"/api/services/{ids.Public}", doc))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        JsonElement MetadataOf(string ndjson) => ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Single(d => d.GetProperty("id").GetGuid() == ids.Public)
            .GetProperty("metadata").EnumerateArray().Single();
        var publicView = MetadataOf(await Public.GetStringAsync("/api/exports/hsds?metadata=true"));
        var adminPublicView = MetadataOf(await Client.GetStringAsync("/api/exports/hsds?metadata=true"));
        var adminView = MetadataOf(await Client.GetStringAsync("/api/exports/hsds?metadata=true&exact=true"));

        foreach (var m in new[] { publicView, adminPublicView, adminView })
        {
            Assert.Equal("update", m.GetProperty("last_action_type").GetString());
            Assert.Equal(ids.Public, m.GetProperty("resource_id").GetGuid());
            Assert.Contains("name", m.GetProperty("field_name").GetString()!.Split(", "));
            Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), m.GetProperty("last_action_date").GetString());
        }
        // Values can hold confidential details (a location's address): only the exact, admin-only export carries them.
        foreach (var m in new[] { publicView, adminPublicView })
        {
            Assert.Equal("", m.GetProperty("previous_value").GetString());
            Assert.Equal("", m.GetProperty("replacement_value").GetString());
            Assert.Equal("directory editor", m.GetProperty("updated_by").GetString());
        }
        Assert.Contains("Oficina abierta", adminView.GetProperty("previous_value").GetString(), StringComparison.Ordinal);
        Assert.Contains("Oficina abierta de Pavas", adminView.GetProperty("replacement_value").GetString(), StringComparison.Ordinal);
        Assert.Equal("test-admin", adminView.GetProperty("updated_by").GetString());
    }

    [Fact]
    public async Task Export_HsdsCsv_IsADataPackageWithTheStandardTables()
    {
        await ArrangeAsync();

        var zip = await Public.GetByteArrayAsync("/api/exports/hsds-csv");

        using var archive = new ZipArchive(new MemoryStream(zip));
        var names = archive.Entries.Select(e => e.Name).ToList();
        Assert.Contains("datapackage.json", names);
        Assert.Contains("services.csv", names);
        Assert.Contains("service_at_location.csv", names);
        var descriptor = JsonDocument.Parse(await new StreamReader(await archive.GetEntry("datapackage.json")!.OpenAsync()).ReadToEndAsync()).RootElement;
        Assert.Equal("tabular-data-package", descriptor.GetProperty("profile").GetString());
        Assert.Equal("public", descriptor.GetProperty("referral_locations").GetString());
        var services = await new StreamReader(await archive.GetEntry("services.csv")!.OpenAsync()).ReadToEndAsync();
        Assert.StartsWith("id,organization_id,program_id,name,", services, StringComparison.Ordinal);
        Assert.Equal(4, services.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        var locations = await new StreamReader(await archive.GetEntry("locations.csv")!.OpenAsync()).ReadToEndAsync();
        Assert.Equal(3, locations.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Export_GeoJson_HasOnePointFeaturePerVisibleServiceAtLocation()
    {
        await ArrangeAsync();

        var geojson = await Public.GetFromJsonAsync<JsonElement>("/api/exports/geojson");

        Assert.Equal("FeatureCollection", geojson.GetProperty("type").GetString());
        var features = geojson.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(3, features.Count);
        var open = Assert.Single(features, f => f.GetProperty("properties").GetProperty("name").GetString() == "Oficina abierta");
        Assert.Equal([-84.0833, 9.9333], open.GetProperty("geometry").GetProperty("coordinates").EnumerateArray().Select(c => c.GetDouble()));
        var hidden = Assert.Single(features, f => f.GetProperty("properties").GetProperty("name").GetString() == "Casa segura");
        Assert.Equal(JsonValueKind.Null, hidden.GetProperty("geometry").ValueKind);
    }

    private static async Task<string> ReadAllTextAsync(HttpResponseMessage response)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (response.Content.Headers.ContentType?.MediaType != "application/zip")
        {
            return Encoding.UTF8.GetString(bytes);
        }
        using var archive = new ZipArchive(new MemoryStream(bytes));
        var sb = new StringBuilder();
        foreach (var entry in archive.Entries)
        {
            using var reader = new StreamReader(await entry.OpenAsync());
            sb.AppendLine(await reader.ReadToEndAsync());
        }
        return sb.ToString();
    }
}
