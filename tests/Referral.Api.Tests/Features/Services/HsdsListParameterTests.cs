using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Services;

/// <summary>The HSDS 3.1 list parameters <c>minimal</c>, <c>full</c> and <c>postcode</c> do what the spec says, or are refused.</summary>
public sealed class HsdsListParameterTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static string[] Names(JsonElement page) =>
        [.. page.GetProperty("contents").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];

    private async Task AddAsync(Guid org, string name, string postcode, string visibility = "public")
    {
        var doc = TestData.Service(org, name, visibility: visibility, category: visibility == "public" ? "police" : "shelter");
        doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["postal_code"] = postcode;
        await TestData.CreateServiceAsync(Client, doc);
    }

    [Fact]
    public async Task Postcode_FiltersByAPostalCodeTheCallerSeesExactly()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await AddAsync(org, "Desk in 10101", "10101");
        await AddAsync(org, "Desk in 20202", "20202");
        await AddAsync(org, "Shelter in 30303", "30303", visibility: "hidden");
        await AddAsync(org, "Approximate shelter in 40404", "40404", visibility: "approximate");

        var one = await Public.GetFromJsonAsync<JsonElement>("/api/services?postcode=10101");
        var spaced = await Public.GetFromJsonAsync<JsonElement>("/api/services?postcode=10%20101");
        var sites = await Public.GetFromJsonAsync<JsonElement>("/api/service_at_locations?postcode=20202");
        var hiddenForPublic = await Public.GetFromJsonAsync<JsonElement>("/api/services?postcode=30303");
        var approximateForPublic = await Public.GetFromJsonAsync<JsonElement>("/api/service_at_locations?postcode=40404");
        var hiddenForAdmin = await Client.GetFromJsonAsync<JsonElement>("/api/services?postcode=30303");
        var bad = await Public.GetAsync("/api/services?postcode=%25");

        Assert.Equal(["Desk in 10101"], Names(one));
        Assert.Equal(["Desk in 10101"], Names(spaced));
        Assert.Equal(1, sites.GetProperty("total_items").GetInt32());
        Assert.Equal(0, hiddenForPublic.GetProperty("total_items").GetInt32());
        Assert.Equal(0, approximateForPublic.GetProperty("total_items").GetInt32());
        Assert.Equal(["Shelter in 30303"], Names(hiddenForAdmin));
        var problem = await Problem.AssertAsync(bad, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains("postcode", Problem.Fields(problem));
    }

    [Fact]
    public async Task MinimalAndFull_ShapeTheListItems()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        await AddAsync(org, "Desk", "10101");

        var summary = (await Public.GetFromJsonAsync<JsonElement>("/api/services")).GetProperty("contents")[0];
        var minimal = (await Public.GetFromJsonAsync<JsonElement>("/api/services?minimal=true")).GetProperty("contents")[0];
        var full = (await Public.GetFromJsonAsync<JsonElement>("/api/services?full=true")).GetProperty("contents")[0];
        var both = await Public.GetAsync("/api/services?minimal=true&full=true");

        Assert.True(summary.TryGetProperty("organization", out _));
        Assert.False(summary.TryGetProperty("phones", out _));
        Assert.Equal("Desk", minimal.GetProperty("name").GetString());
        Assert.False(minimal.TryGetProperty("organization", out _));
        Assert.False(minimal.TryGetProperty("categories", out _));
        Assert.False(minimal.TryGetProperty("phones", out _));
        Assert.Equal("+50600000001", full.GetProperty("phones")[0].GetProperty("number").GetString());
        Assert.Equal("10101", full.GetProperty("service_at_locations")[0].GetProperty("location").GetProperty("addresses")[0].GetProperty("postal_code").GetString());
        Assert.Equal(["police"], full.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("minimal", Problem.Fields(await Problem.AssertAsync(both, HttpStatusCode.BadRequest, "VALIDATION_FAILED")));
    }

    [Theory]
    [InlineData("/api/organizations?full_service=true", "full_service")]
    [InlineData("/api/organizations/00000000-0000-0000-0000-000000000001?full_service=true", "full_service")]
    [InlineData("/api/organizations?full=true", "full")]
    public async Task UnsupportedHsdsParameters_AreRefusedAsSuch(string url, string field)
    {
        var problem = await Problem.AssertAsync(await Public.GetAsync(url), HttpStatusCode.BadRequest, "VALIDATION_FAILED");

        Assert.Contains("HSDS 3.1 API parameter", problem.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }
}
