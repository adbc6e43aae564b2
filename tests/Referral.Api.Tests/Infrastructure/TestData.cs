using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>Builders for the data each test arranges for itself (never the seed).</summary>
public static class TestData
{
    public static readonly Guid CategoryTaxonomyId = Guid.Parse("00000000-0000-4000-8000-00000000c001");
    public static readonly string[] Categories = ["police", "helpline", "legal_aid", "social_services", "health", "psychosocial", "shelter", "online_reporting", "justice"];

    public static Guid TermId(string code) => DeterministicGuid.Create(CategoryTaxonomyId, code);

    internal static async Task EnsureCategoriesAsync(ReferralApiFactory factory) => await factory.WithDbAsync(async db =>
    {
        if (await db.Taxonomies.AnyAsync(t => t.Id == CategoryTaxonomyId))
        {
            return;
        }
        db.Taxonomies.Add(new Taxonomy
        {
            Id = CategoryTaxonomyId,
            Name = "referral-category",
            Description = "Test copy of the built-in categories.",
            Terms = [.. Categories.Select(code => new TaxonomyTerm
            {
                Id = TermId(code), TaxonomyId = CategoryTaxonomyId, Code = code, Name = code, Description = code,
                Labels = new() { ["en"] = code, ["es"] = code + " (es)" },
            })],
        });
        await db.SaveChangesAsync();
    });

    public static JsonObject Organization(string name = "Test organization") => new()
    {
        ["name"] = name,
        ["description"] = "An organization made by a test.",
    };

    /// <summary>A valid nested service document at (<paramref name="lat"/>, <paramref name="lng"/>).</summary>
    public static JsonObject Service(Guid organizationId, string name = "Test service", double lat = 9.9333, double lng = -84.0833,
        string category = "police", string visibility = "public") => new()
        {
            ["organization_id"] = organizationId,
            ["name"] = name,
            ["description"] = "A service made by a test.",
            ["status"] = "active",
            ["minimum_age"] = 0,
            ["maximum_age"] = 17,
            ["is_free"] = true,
            ["delivery_modes"] = new JsonArray("in_person", "phone"),
            ["audience"] = new JsonArray("child"),
            ["categories"] = new JsonArray(category),
            ["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }),
            ["phones"] = new JsonArray(new JsonObject { ["number"] = "+50600000001", ["type"] = "voice" }),
            ["schedules"] = new JsonArray(new JsonObject
            {
                ["byday"] = "MO,TU,WE,TH,FR",
                ["opens_at"] = "08:00",
                ["closes_at"] = "16:00",
                ["time_zone"] = "America/Costa_Rica",
            }),
            ["service_at_locations"] = new JsonArray(new JsonObject
            {
                ["location"] = new JsonObject
                {
                    ["name"] = name + " office",
                    ["location_type"] = "physical",
                    ["latitude"] = lat,
                    ["longitude"] = lng,
                    ["visibility"] = visibility,
                    ["addresses"] = new JsonArray(new JsonObject
                    {
                        ["address_1"] = "Calle Prueba 1",
                        ["city"] = "San José",
                        ["state_province"] = "San José",
                        ["postal_code"] = "10101",
                        ["country"] = "CR",
                    }),
                },
            }),
        };

    public static async Task<Guid> CreateOrganizationAsync(HttpClient client, string name = "Test organization")
    {
        var response = await client.PostAsJsonAsync("/api/organizations", Organization(name));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> CreateServiceAsync(HttpClient client, JsonObject service)
    {
        var response = await client.PostAsJsonAsync("/api/services", service);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Creating a test service failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A region with a square outline around (<paramref name="lat"/>, <paramref name="lng"/>), half-size in degrees.</summary>
    internal static async Task AddRegionAsync(ReferralApiFactory factory, string code, double lat, double lng, double half, int level = 0, string? parent = null) =>
        await factory.WithDbAsync(async db =>
        {
            var ring = new[]
            {
                new NetTopologySuite.Geometries.Coordinate(lng - half, lat - half), new NetTopologySuite.Geometries.Coordinate(lng + half, lat - half),
                new NetTopologySuite.Geometries.Coordinate(lng + half, lat + half), new NetTopologySuite.Geometries.Coordinate(lng - half, lat + half),
                new NetTopologySuite.Geometries.Coordinate(lng - half, lat - half),
            };
            db.Regions.Add(new Referral.Api.Features.Regions.Region
            {
                Id = Guid.NewGuid(),
                Code = code,
                Name = code,
                Level = level,
                ParentCode = parent,
                Geometry = Geo.Factory.CreateMultiPolygon([Geo.Factory.CreatePolygon(ring)]),
            });
            await db.SaveChangesAsync();
        });

    internal static async Task AddPlaceAsync(ReferralApiFactory factory, string name, long population, double lat, double lng, string? region = null) =>
        await factory.WithDbAsync(async db =>
        {
            db.Places.Add(new Referral.Api.Features.Places.Place
            {
                Id = Guid.NewGuid(),
                GeonamesId = Random.Shared.Next(1, int.MaxValue),
                Name = name,
                Country = "CR",
                RegionCode = region,
                Population = population,
                Point = Geo.Point(lat, lng),
            });
            await db.SaveChangesAsync();
        });
}

