using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

public sealed class PlaceSearchTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await TestData.AddPlaceAsync(Factory, "San José", 335_000, 9.9333, -84.0833, "CR-SJ");
        await TestData.AddPlaceAsync(Factory, "San Josecito", 9_000, 10.0, -84.1, "CR-H");
        await TestData.AddPlaceAsync(Factory, "San Juan", 20_000, 9.95, -84.05, "CR-SJ");
        await TestData.AddPlaceAsync(Factory, "Limón", 61_000, 9.99, -83.03, "CR-L");
        await TestData.AddPlaceAsync(Factory, "Puntarenas", 46_000, 9.97, -84.83, "CR-P");
        await TestData.AddPlaceAsync(Factory, "Barrio San José", 3_000, 10.1, -84.2, "CR-A");
    }

    private async Task<string[]> PlacesAsync(string q) =>
        [.. (await Client.GetFromJsonAsync<JsonElement>($"/api/places?q={Uri.EscapeDataString(q)}"))
            .GetProperty("contents").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];

    [Fact]
    public async Task Places_PrefixMatchesRankedByPopulation_ThenWordPrefix()
    {
        Assert.Equal(["San José", "San Juan", "San Josecito", "Barrio San José"], await PlacesAsync("san j"));
        // "San Juan" is a near miss (trigram similarity), so it comes last.
        Assert.Equal(["San José", "San Josecito", "Barrio San José", "San Juan"], await PlacesAsync("san jos"));
    }

    [Fact]
    public async Task Places_AccentInsensitiveAndTypoTolerant()
    {
        Assert.Equal("Limón", (await PlacesAsync("limon"))[0]);
        Assert.Equal("San José", (await PlacesAsync("SAN JOSE"))[0]);
        Assert.Equal("Puntarenas", (await PlacesAsync("puntarenass"))[0]);
    }

    [Fact]
    public async Task Places_CarryCoordinatesForANearestQuery()
    {
        var place = (await Client.GetFromJsonAsync<JsonElement>("/api/places?q=Limón")).GetProperty("contents")[0];

        Assert.Equal(9.99, place.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(-83.03, place.GetProperty("longitude").GetDouble(), 6);
        Assert.Equal("CR-L", place.GetProperty("region_code").GetString());
    }

    /// <summary>Issue 12, item 13: the gazetteer answers in the page envelope of every other list (it was a bare array).</summary>
    [Fact]
    public async Task Places_AreInThePageEnvelope_AndPage()
    {
        var first = await Client.GetFromJsonAsync<JsonElement>("/api/places?q=san&per_page=2");
        var second = await Client.GetFromJsonAsync<JsonElement>("/api/places?q=san&per_page=2&page=2");

        Assert.Equal((4, 2, 1, 2, true, false), (first.GetProperty("total_items").GetInt32(), first.GetProperty("total_pages").GetInt32(),
            first.GetProperty("page_number").GetInt32(), first.GetProperty("size").GetInt32(), first.GetProperty("first_page").GetBoolean(),
            first.GetProperty("last_page").GetBoolean()));
        Assert.Equal(["San José", "San Juan"], first.GetProperty("contents").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(["San Josecito", "Barrio San José"], second.GetProperty("contents").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(second.GetProperty("last_page").GetBoolean());
    }

    [Theory]
    [InlineData("")]
    [InlineData("q=")]
    [InlineData("q=san&limit=0")]
    [InlineData("q=san&country=Costa")]
    public async Task Places_BadInput_Returns400(string query)
    {
        var response = await Client.GetAsync($"/api/places?{query}");

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
    }
}
