using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Referral.Api.Features.Ogc;
using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>
/// The public page of services reads ogc_service_feature (migration AddOgcServiceFeatures), kept at the commit of every
/// write: after each kind of write (API, plain SQL, row-by-row and bulk imports; services, locations, categories,
/// addresses, organizations, terms; edits, deletes, exactness changes) the page it writes must be the general path's,
/// which reads the live rows; and a hidden or generalised place never shows on it.
/// </summary>
public sealed class OgcServiceFeatureTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    private Task<string> PageAsync(OgcItemsRequest request, bool direct) => OgcPublicPageTests.PageAsync(Factory, request, direct);

    /// <summary>The whole directory and a box around San José: the stored page equals the live one. Returns the whole page.</summary>
    private async Task<string> AssertFollowsAsync(string step)
    {
        var all = new OgcItemsRequest(1000, 0, null, null, null, null, null, null, null, null);
        var box = new OgcItemsRequest(1000, 0, new OgcBox(-84.2, 9.8, -84.0, 10.0), null, null, null, null, null, null, null);
        var general = await PageAsync(all, direct: false);
        var direct = await PageAsync(all, direct: true);
        Assert.True(general == direct, $"after {step}:\ngeneral {general}\nstored  {direct}");
        Assert.Equal(await PageAsync(box, direct: false), await PageAsync(box, direct: true));
        return direct;
    }

    private async Task SqlAsync(string sql)
    {
        await using var conn = await Factory.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private const string Header = "id,name,category,lat,lon,phone,address,city,country";

    [Fact]
    public async Task StoredPublicFeatures_FollowEveryKindOfWrite()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org A");
        var two = TestData.Service(org, "Two categories", 9.9333, -84.0833, "police");
        two["categories"] = new JsonArray("shelter", "health", "police");
        var created = await TestData.CreateServiceAsync(Client, two);
        var id = created.GetProperty("id").GetGuid();
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Approximate shelter", 9.9669, -84.0285, "shelter", "approximate"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden shelter", 9.9670, -84.0285, "shelter", "hidden"));
        var gone = (await TestData.CreateServiceAsync(Client, TestData.Service(org, "Deleted later", 9.95, -84.05, "legal_aid"))).GetProperty("id").GetGuid();
        var page = await AssertFollowsAsync("creates through the API");
        Assert.Contains("Two categories", page, StringComparison.Ordinal);
        Assert.Contains("\"categories\":\"health,police,shelter\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden shelter", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Approximate shelter office", page, StringComparison.Ordinal);

        // The API replaces a service: name, categories, ages, languages, its place moved and made approximate, its address.
        var doc = TestData.Service(org, "Replaced", 9.9400, -84.0700, "justice", "approximate");
        doc["languages"] = new JsonArray(new JsonObject { ["code"] = "en" }, new JsonObject { ["code"] = "es" });
        doc["minimum_age"] = 5;
        (await Client.PutAsJsonAsync($"/api/services/{id}", doc)).EnsureSuccessStatusCode();
        page = await AssertFollowsAsync("a replace through the API");
        Assert.DoesNotContain("Replaced office", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Calle Prueba 1, 10101, San José, CR\",\"visibility\":\"approximate", page, StringComparison.Ordinal);
        doc = TestData.Service(org, "Replaced", 9.9400, -84.0700, "justice");
        (await Client.PutAsJsonAsync($"/api/services/{id}", doc)).EnsureSuccessStatusCode();
        page = await AssertFollowsAsync("made public again through the API");
        Assert.Contains("Replaced office", page, StringComparison.Ordinal);
        (await Client.DeleteAsync($"/api/services/{gone}")).EnsureSuccessStatusCode();
        page = await AssertFollowsAsync("a delete through the API");
        Assert.DoesNotContain("Deleted later", page, StringComparison.Ordinal);

        // Plain SQL, every input of a feature: exactness (public → hidden → public, approximate → public), the point and
        // so the public point, the service's fields, the organization's name, categories, addresses, a category code.
        await SqlAsync("UPDATE location SET visibility = 'hidden' WHERE name = 'Replaced office'");
        page = await AssertFollowsAsync("a place hidden");
        Assert.DoesNotContain("Replaced", page, StringComparison.Ordinal);
        await SqlAsync("UPDATE location SET visibility = 'public' WHERE name = 'Replaced office'");
        await SqlAsync("UPDATE location SET visibility = 'public' WHERE name = 'Approximate shelter office'");
        page = await AssertFollowsAsync("places made public");
        Assert.Contains("Approximate shelter office", page, StringComparison.Ordinal);
        await SqlAsync("UPDATE location SET point = ST_SetSRID(ST_MakePoint(-84.0101, 9.9011), 4326)::geography, name = 'Moved', location_type = 'postal', is_demo = true WHERE name = 'Replaced office'");
        await AssertFollowsAsync("a place moved and renamed");
        await SqlAsync("UPDATE service SET name = 'Renamed', status = 'inactive', languages = '{pt}', minimum_age = NULL, maximum_age = 12, public_last_modified = '2026-01-02T03:04:05Z' WHERE name = 'Replaced'");
        await AssertFollowsAsync("a service's fields");
        await SqlAsync("UPDATE organization SET name = 'Org renamed' WHERE name = 'Org A'");
        page = await AssertFollowsAsync("an organization renamed");
        Assert.Contains("Org renamed", page, StringComparison.Ordinal);
        var other = await TestData.CreateOrganizationAsync(Client, "Org B");
        await SqlAsync($"UPDATE service SET organization_id = '{other}' WHERE name = 'Renamed'");
        await AssertFollowsAsync("a service moved to another organization");
        await SqlAsync("INSERT INTO attribute (id, service_id, taxonomy_term_id) SELECT gen_random_uuid(), s.id, t.id FROM service s, taxonomy_term t WHERE s.name = 'Renamed' AND t.code = 'police'");
        await SqlAsync("DELETE FROM attribute a USING service s, taxonomy_term t WHERE a.service_id = s.id AND a.taxonomy_term_id = t.id AND s.name = 'Renamed' AND t.code = 'justice'");
        await AssertFollowsAsync("categories added and removed");
        await SqlAsync("UPDATE taxonomy_term SET code = 'police-renamed' WHERE code = 'police'");
        page = await AssertFollowsAsync("a category code renamed");
        Assert.Contains("police-renamed", page, StringComparison.Ordinal);
        await SqlAsync("UPDATE taxonomy_term SET code = 'police' WHERE code = 'police-renamed'");
        await SqlAsync("INSERT INTO address (id, location_id, address_1, city, country, address_type) SELECT '00000000-0000-0000-0000-000000000001', id, 'First', 'Cartago', 'CR', 'physical' FROM location WHERE name = 'Moved'");
        page = await AssertFollowsAsync("a first address added");
        Assert.Contains("First, Cartago, CR", page, StringComparison.Ordinal);
        await SqlAsync("UPDATE address SET address_1 = 'Changed' WHERE address_1 = 'First'");
        await AssertFollowsAsync("an address changed");
        await SqlAsync("DELETE FROM address WHERE address_1 = 'Changed'");
        await AssertFollowsAsync("an address deleted");
        await SqlAsync("UPDATE service_at_location SET location_id = (SELECT id FROM location WHERE name = 'Approximate shelter office') WHERE location_id = (SELECT id FROM location WHERE name = 'Moved')");
        await AssertFollowsAsync("a service at location moved to another place");
        await SqlAsync("DELETE FROM service_at_location WHERE location_id = (SELECT id FROM location WHERE name = 'Approximate shelter office') AND service_id = (SELECT id FROM service WHERE name = 'Renamed')");
        await AssertFollowsAsync("a service at location deleted");

        // Several statements in one transaction, and one rolled back.
        await using (var conn = await Factory.OpenAsync())
        {
            await using (var tx = await conn.BeginTransactionAsync())
            {
                await using var cmd = new NpgsqlCommand("UPDATE service SET name = 'In a transaction' WHERE name = 'Approximate shelter'; UPDATE location SET visibility = 'approximate' WHERE name = 'Approximate shelter office'", conn, tx);
                await cmd.ExecuteNonQueryAsync();
                await tx.CommitAsync();
            }
            await using (var tx = await conn.BeginTransactionAsync())
            {
                await using var cmd = new NpgsqlCommand("UPDATE location SET visibility = 'public'", conn, tx);
                await cmd.ExecuteNonQueryAsync();
                await tx.RollbackAsync();
            }
        }
        page = await AssertFollowsAsync("a transaction and a rollback");
        Assert.Contains("In a transaction", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Approximate shelter office", page, StringComparison.Ordinal);

        // Imports: row by row, then a bulk load (its triggers disabled, the table rebuilt at its commit).
        var csv = string.Join("\n", Header, "I1,Imported police,police,9.91,-84.02,+506 2222 3333,Calle 1,San José,CR",
            "I2,Imported line,helpline,9.92,-84.03,1147,Calle 2,San José,CR") + "\n";
        var result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=rows");
        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        page = await AssertFollowsAsync("an import");
        Assert.Contains("Imported police", page, StringComparison.Ordinal);
        csv = string.Join("\n", Header, "B1,Bulk police,police,9.93,-84.04,+506 2222 3334,Calle 3,San José,CR",
            "B2,Bulk line,helpline,9.94,-84.05,1147,Calle 4,San José,CR") + "\n";
        result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=bulk&indexes=rebuild");
        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        page = await AssertFollowsAsync("a bulk import");
        Assert.Contains("Bulk police", page, StringComparison.Ordinal);
        Assert.Contains("Imported police", page, StringComparison.Ordinal);

        // A truncate (what a test reset or an operator does) empties it.
        await SqlAsync("TRUNCATE service_at_location");
        Assert.Equal("OgcCounts { Matched = 0, Returned = 0, More = False }\n[]", await AssertFollowsAsync("a truncate"));
    }

    [Fact]
    public async Task AWriteThatCommitsAfterAnotherChangedTheSameFeature_SeesIt()
    {
        // Two transactions change different inputs of one feature: the place hidden (committed last) and its service
        // renamed. Each recomputes at its commit from what is committed then, so the feature ends hidden, never shown
        // with the point of a place that is hidden.
        var org = await TestData.CreateOrganizationAsync(Client, "Org");
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Racing", 9.9333, -84.0833, "police"));
        await using var hide = await Factory.OpenAsync();
        await using var rename = await Factory.OpenAsync();
        await using var hideTx = await hide.BeginTransactionAsync();
        await using var renameTx = await rename.BeginTransactionAsync();
        await using (var cmd = new NpgsqlCommand("UPDATE location SET visibility = 'hidden' WHERE name = 'Racing office'", hide, hideTx))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        await using (var cmd = new NpgsqlCommand("UPDATE service SET name = 'Racing renamed' WHERE name = 'Racing'", rename, renameTx))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        await renameTx.CommitAsync(); // recomputed while the place is still public (the hide is not committed)
        Assert.Contains("Racing renamed", await AssertFollowsAsync("the rename"), StringComparison.Ordinal);
        await hideTx.CommitAsync();
        var page = await AssertFollowsAsync("the hide");
        Assert.DoesNotContain("Racing", page, StringComparison.Ordinal);
    }
}
