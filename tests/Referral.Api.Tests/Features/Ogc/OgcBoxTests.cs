using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>
/// <c>items?bbox=</c> on the services collection for every role: each caller's box selects on the point that caller is
/// shown (exact where DESIGN.md "Confidentiality" lets it see the site, the public point otherwise, hidden sites never
/// unless it may see them), and <c>numberMatched</c> follows its documented rule (given on the last page only).
/// </summary>
public sealed class OgcBoxTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // 0.9 km from the centre of its 0.05° cell, so an approximate site's public point lies in a neighbouring cell.
    private const double Lat = 9.9669, Lng = -84.0285;

    /// <summary>A site: its exact place, and the point the public sees (null when hidden).</summary>
    private sealed record Site(string Name, Guid Id, double Lng, double Lat, double? PublicLng, double? PublicLat);

    private sealed record World(Guid OrgA, Dictionary<string, Site> Sites);

    /// <summary>
    /// Organization A: an approximate and a hidden site. Organization B: a public, an approximate and a hidden site.
    /// One more approximate site whose location belongs to no organization (the rule's null case).
    /// </summary>
    private async Task<World> ArrangeAsync()
    {
        var orgA = await TestData.CreateOrganizationAsync(Client, "Organization A");
        var orgB = await TestData.CreateOrganizationAsync(Client, "Organization B");
        var made = new List<(string Name, Guid Id)>();
        async Task Add(string name, Guid org, string visibility, double dLat, double dLng)
        {
            var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, name, Lat + dLat, Lng + dLng, "shelter", visibility));
            made.Add((name, created.GetProperty("service_at_locations")[0].GetProperty("id").GetGuid()));
        }
        await Add("a-approximate", orgA, "approximate", 0, 0);
        await Add("a-hidden", orgA, "hidden", 0.0001, 0);
        await Add("b-public", orgB, "public", 0, 0.0002);
        await Add("b-approximate", orgB, "approximate", 0.0002, 0);
        await Add("b-hidden", orgB, "hidden", 0.0003, 0);
        await Add("no-org-approximate", orgB, "approximate", 0.0004, 0);
        await Factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(
            "UPDATE location SET organization_id = NULL WHERE id = (SELECT location_id FROM service_at_location WHERE id = {0})", made[^1].Id));

        var sites = new Dictionary<string, Site>();
        foreach (var (name, id) in made)
        {
            var (point, shown) = await Factory.WithDbAsync(db => db.ServiceAtLocations.Where(x => x.Id == id)
                .Select(x => new ValueTuple<NetTopologySuite.Geometries.Point, NetTopologySuite.Geometries.Point?>(x.Location!.Point!, x.Location.PublicPoint))
                .SingleAsync());
            sites[name] = new Site(name, id, point.X, point.Y, shown?.X, shown?.Y);
        }
        Assert.Null(sites["a-hidden"].PublicLng);
        Assert.True(Math.Abs(sites["b-approximate"].PublicLat!.Value - Lat) > 0.005 || Math.Abs(sites["b-approximate"].PublicLng!.Value - Lng) > 0.005,
            "the approximate site's public point must lie away from it for this test to mean anything");
        return new World(orgA, sites);
    }

    public static TheoryData<string> RoleNames() => new() { "anonymous", Roles.Planner, Roles.Caseworker, Roles.Editor, Roles.Admin };

    /// <summary>What each role sees, by site: true = exact, false = at the public point; absent = not at all.</summary>
    private static Dictionary<string, bool> Allowed(string role) => role switch
    {
        Roles.Admin => new() { ["a-approximate"] = true, ["a-hidden"] = true, ["b-public"] = true, ["b-approximate"] = true, ["b-hidden"] = true, ["no-org-approximate"] = true },
        Roles.Editor => new() { ["a-approximate"] = true, ["a-hidden"] = true, ["b-public"] = true, ["b-approximate"] = false, ["no-org-approximate"] = false },
        Roles.Caseworker => new() { ["a-approximate"] = true, ["b-public"] = true, ["b-approximate"] = true, ["no-org-approximate"] = true },
        _ => new() { ["a-approximate"] = false, ["b-public"] = true, ["b-approximate"] = false, ["no-org-approximate"] = false },
    };

    private async Task<HttpClient> ClientFor(string role, Guid orgA) => role == "anonymous"
        ? Public
        : Factory.CreateClient(await Factory.CreateKeyAsync($"{role}-{Guid.NewGuid():N}", role, role == Roles.Editor ? orgA : null));

    [Theory]
    [MemberData(nameof(RoleNames))]
    public async Task Bbox_SelectsOnThePointEachRoleIsShown_AndReturnsExactlyWhatTheRoleAllows(string role)
    {
        var world = await ArrangeAsync();
        var client = await ClientFor(role, world.OrgA);
        var allowed = Allowed(role);
        (double X, double Y) Shown(Site s) => allowed[s.Name] ? (s.Lng, s.Lat) : (s.PublicLng!.Value, s.PublicLat!.Value);
        var publics = world.Sites.Values.Where(s => s.PublicLng is not null).ToList();
        var boxes = new List<(double X1, double Y1, double X2, double Y2)>
        {
            (Lng - 0.001, Lat - 0.001, Lng + 0.001, Lat + 0.001), // around every exact site
            (publics.Min(s => s.PublicLng!.Value) - 0.0001, publics.Min(s => s.PublicLat!.Value) - 0.0001,
             publics.Max(s => s.PublicLng!.Value) + 0.0001, publics.Max(s => s.PublicLat!.Value) + 0.0001), // around the public points
            (-180, -90, 180, 90),
        };
        foreach (var s in world.Sites.Values.Where(s => s.PublicLng is not null && Math.Abs(s.PublicLng.Value - s.Lng) + Math.Abs(s.PublicLat!.Value - s.Lat) > 0.005))
        {
            boxes.Add((s.PublicLng!.Value - 0.0001, s.PublicLat!.Value - 0.0001, s.PublicLng.Value + 0.0001, s.PublicLat.Value + 0.0001)); // one public point alone
        }

        foreach (var (x1, y1, x2, y2) in boxes)
        {
            var bbox = string.Join(',', new[] { x1, y1, x2, y2 }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            var expected = world.Sites.Values
                .Where(s => allowed.ContainsKey(s.Name))
                .Where(s => Shown(s) is var p && p.X >= x1 && p.X <= x2 && p.Y >= y1 && p.Y <= y2)
                .ToDictionary(s => s.Id.ToString(), Shown);

            var page = JsonDocument.Parse(await client.GetStringAsync($"/ogc/collections/services/items?limit=100&bbox={bbox}")).RootElement;

            var got = page.GetProperty("features").EnumerateArray().ToDictionary(
                f => f.GetProperty("id").GetString()!,
                f => (f.GetProperty("geometry").GetProperty("coordinates")[0].GetDouble(), f.GetProperty("geometry").GetProperty("coordinates")[1].GetDouble()));
            var names = world.Sites.Values.ToDictionary(s => s.Id.ToString(), s => s.Name);
            Assert.True(expected.Keys.Order().SequenceEqual(got.Keys.Order()),
                $"{role}, bbox {bbox}: expected [{string.Join(", ", expected.Keys.Select(k => names[k]).Order())}], got [{string.Join(", ", got.Keys.Select(k => names.GetValueOrDefault(k, k)).Order())}]");
            foreach (var (id, (x, y)) in expected)
            {
                Assert.Equal(x, got[id].Item1, 6);
                Assert.Equal(y, got[id].Item2, 6);
            }
            Assert.Equal(expected.Count, page.GetProperty("numberMatched").GetInt32());
            Assert.Equal(expected.Count, page.GetProperty("numberReturned").GetInt32());
        }
    }

    /// <summary>Adds <paramref name="n"/> copies of a service location (same service, same place) straight in SQL.</summary>
    private async Task CloneAsync(Guid serviceAtLocation, int n)
    {
        await using var conn = await Factory.OpenAsync();
        // Generated columns (location.public_point) are left to PostgreSQL.
        await using var columns = new NpgsqlCommand("""
            SELECT string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position) FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'location' AND is_generated = 'NEVER'
            """, conn);
        var cols = (string)(await columns.ExecuteScalarAsync())!;
        await using var cmd = new NpgsqlCommand($"""
            WITH src AS (
                SELECT to_jsonb(l) AS l, to_jsonb(s) AS s, gen_random_uuid() AS location_id
                FROM service_at_location s JOIN location l ON l.id = s.location_id, generate_series(1, @n)
                WHERE s.id = @id),
            ins AS (
                INSERT INTO location ({cols})
                SELECT {cols} FROM src, jsonb_populate_record(NULL::location, src.l || jsonb_build_object('id', src.location_id)))
            INSERT INTO service_at_location
            SELECT (jsonb_populate_record(NULL::service_at_location, src.s || jsonb_build_object('id', gen_random_uuid(), 'location_id', src.location_id))).*
            FROM src
            """, conn);
        cmd.Parameters.AddWithValue("id", serviceAtLocation);
        cmd.Parameters.AddWithValue("n", n);
        await cmd.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData("anonymous")]
    [InlineData(Roles.Admin)]
    public async Task NumberMatched_IsGivenOnTheLastPageOnly_AndNextOnlyWhenMoreFollow(string role)
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Many");
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "crowded", Lat, Lng, "police"));
        var id = created.GetProperty("service_at_locations")[0].GetProperty("id").GetGuid();
        await CloneAsync(id, 999);
        var client = await ClientFor(role, org);
        const string box = "bbox=-84.03,9.96,-84.02,9.97";
        async Task<JsonElement> PageAsync(string query) =>
            JsonDocument.Parse(await client.GetStringAsync($"/ogc/collections/services/items?{box}&{query}")).RootElement;
        static bool Has(JsonElement page, string rel) => page.GetProperty("links").EnumerateArray().Any(l => l.GetProperty("rel").GetString() == rel);

        // 1000 match. A page followed by another carries no numberMatched (nothing is counted) and a next link.
        var ten = await PageAsync("limit=10");
        Assert.False(ten.TryGetProperty("numberMatched", out _));
        Assert.Equal(10, ten.GetProperty("numberReturned").GetInt32());
        Assert.True(Has(ten, "next"));
        // A full page that ends the results tells the count and has no next link.
        var all = await PageAsync("limit=1000");
        Assert.Equal(1000, all.GetProperty("numberMatched").GetInt32());
        Assert.False(Has(all, "next"));
        var tail = await PageAsync("limit=10&offset=990");
        Assert.Equal(1000, tail.GetProperty("numberMatched").GetInt32());
        Assert.False(Has(tail, "next"));

        await CloneAsync(id, 1000);
        // 2000 match: the second full page of 1000 is the last (before, beyond 1000 it offered a next link to an empty page).
        var first = await PageAsync("limit=1000");
        var second = await PageAsync("limit=1000&offset=1000");
        var past = await PageAsync("limit=10&offset=2000");
        var unboxed = JsonDocument.Parse(await client.GetStringAsync("/ogc/collections/services/items?limit=1")).RootElement;

        Assert.False(first.TryGetProperty("numberMatched", out _));
        Assert.True(Has(first, "next"));
        Assert.Equal(2000, second.GetProperty("numberMatched").GetInt32());
        Assert.Equal(1000, second.GetProperty("numberReturned").GetInt32());
        Assert.False(Has(second, "next"));
        Assert.True(Has(second, "prev"));
        Assert.False(past.TryGetProperty("numberMatched", out _)); // an empty page past the end cannot tell
        Assert.Equal(0, past.GetProperty("numberReturned").GetInt32());
        Assert.False(Has(past, "next"));
        Assert.False(unboxed.TryGetProperty("numberMatched", out _));
        var ids = first.GetProperty("features").EnumerateArray().Concat(second.GetProperty("features").EnumerateArray())
            .Select(f => f.GetProperty("id").GetString()).ToHashSet();
        Assert.Equal(2000, ids.Count);
    }
}
