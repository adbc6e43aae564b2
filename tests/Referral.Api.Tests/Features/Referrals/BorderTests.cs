using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// Borders (issue 12): a child is referred within its country's system. A Kenyan border town with a Ugandan police
/// station 5.6 km west and a Kenyan one 52 km east; a Nairobi-like origin with only a demo shelter an ocean away.
/// </summary>
public sealed class BorderTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 0.45, Lng = 34.03;
    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Uganda west of 34°E, Kenya east of it.
        await TestData.AddRegionAsync(Factory, "UG", 1, 31.75, 2.25, level: 0);
        await TestData.AddRegionAsync(Factory, "KE", 0, 37.5, 3.5, level: 0);
        _org = await TestData.CreateOrganizationAsync(Client);
    }

    private async Task AddAsync(string name, double lat, double lng, string country, string category = "police")
    {
        var doc = TestData.Service(_org, name, lat, lng, category);
        doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["country"] = country;
        await TestData.CreateServiceAsync(Client, doc);
    }

    private async Task AddBorderSitesAsync()
    {
        await AddAsync("Police UG", Lat, 33.98, "UG");
        await AddAsync("Police KE", Lat, 34.50, "KE");
    }

    private static string At(double lat, double lng) =>
        string.Create(CultureInfo.InvariantCulture, $"lat={lat}&lng={lng}");

    private static string[] Names(JsonElement results) =>
        [.. results.EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()!)];

    [Fact]
    public async Task Nearest_BorderTown_KeepsToItsCountry_WithANote_UnlessSameCountryIsFalse()
    {
        await AddBorderSitesAsync();

        var home = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?{At(Lat, Lng)}&category=police");
        var anywhere = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?{At(Lat, Lng)}&category=police&same_country=false");

        Assert.Equal("KE", home.GetProperty("country").GetString());
        Assert.True(home.GetProperty("same_country").GetBoolean());
        Assert.Equal(["Police KE"], Names(home.GetProperty("results")));
        Assert.Equal("KE", home.GetProperty("results")[0].GetProperty("country").GetString());
        Assert.False(home.GetProperty("results")[0].GetProperty("abroad").GetBoolean());
        var note = home.GetProperty("note").GetString()!;
        Assert.Contains("A site in UG is 5.6 km away", note, StringComparison.Ordinal);
        Assert.Contains("same_country=false", note, StringComparison.Ordinal);

        Assert.False(anywhere.GetProperty("same_country").GetBoolean());
        Assert.Equal(["Police UG", "Police KE"], Names(anywhere.GetProperty("results")));
        var ug = anywhere.GetProperty("results")[0];
        Assert.Equal("UG", ug.GetProperty("country").GetString());
        Assert.True(ug.GetProperty("abroad").GetBoolean());
        Assert.Contains("across the border", ug.GetProperty("note").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReferralCard_BorderTown_BestIsTheHomeSite_WithANote_UnlessSameCountryIsFalse()
    {
        await AddBorderSitesAsync();

        var card = await Client.GetFromJsonAsync<JsonElement>($"/api/referral?{At(Lat, Lng)}&needs=police");
        var anywhere = await Client.GetFromJsonAsync<JsonElement>($"/api/referral?{At(Lat, Lng)}&needs=police&same_country=false");

        var police = card.GetProperty("categories")[0];
        Assert.Equal("Police KE", police.GetProperty("best").GetProperty("service").GetProperty("name").GetString());
        Assert.Equal(0, police.GetProperty("alternatives").GetArrayLength());
        Assert.Contains("A site in UG", police.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Equal("KE", card.GetProperty("country").GetString());
        var best = anywhere.GetProperty("categories")[0].GetProperty("best");
        Assert.Equal("Police UG", best.GetProperty("service").GetProperty("name").GetString());
        Assert.True(best.GetProperty("abroad").GetBoolean());
    }

    [Fact]
    public async Task GraphQL_SameCountryArgument_OnNearestAndReferralCard()
    {
        await AddBorderSitesAsync();
        var query = """
            { home: nearestServices(near: {lat: 0.45, lng: 34.03}, filter: {categories: [POLICE]}) { country sameCountry note results { country abroad service { name } } }
              anywhere: nearestServices(near: {lat: 0.45, lng: 34.03}, filter: {categories: [POLICE]}, sameCountry: false) { results { country abroad farAway service { name } } }
              card: referralCard(near: {lat: 0.45, lng: 34.03}, needs: [POLICE], sameCountry: false) { country categories { best { abroad service { name } } } } }
            """;

        var response = await Client.PostAsJsonAsync("/graphql", new { query });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.False(body.TryGetProperty("errors", out var errors), errors.ToString());
        var data = body.GetProperty("data");
        Assert.Equal("KE", data.GetProperty("home").GetProperty("country").GetString());
        Assert.Equal("Police KE", data.GetProperty("home").GetProperty("results")[0].GetProperty("service").GetProperty("name").GetString());
        Assert.NotNull(data.GetProperty("home").GetProperty("note").GetString());
        var first = data.GetProperty("anywhere").GetProperty("results")[0];
        Assert.Equal("Police UG", first.GetProperty("service").GetProperty("name").GetString());
        Assert.True(first.GetProperty("abroad").GetBoolean());
        Assert.True(data.GetProperty("card").GetProperty("categories")[0].GetProperty("best").GetProperty("abroad").GetBoolean());
    }

    [Fact]
    public async Task ReferralCard_OnlyAShelterAnOceanAway_IsFlaggedFarAway_AndTheOriginOutsideEveryOutlineIsSaid()
    {
        // Nairobi-like origin east of the test's Kenya square, so outside every outline; the only shelter is in Costa Rica.
        await AddAsync("[DEMO] Shelter", 9.93, -84.08, "CR", "shelter");

        var card = await Client.GetFromJsonAsync<JsonElement>($"/api/referral?{At(-1.29, 45.5)}&needs=shelter");
        var nearest = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?{At(-1.29, 45.5)}&category=shelter");

        Assert.False(card.TryGetProperty("country", out _));
        Assert.Contains("no country outline", card.GetProperty("note").GetString(), StringComparison.Ordinal);
        var shelter = card.GetProperty("categories")[0];
        var best = shelter.GetProperty("best");
        Assert.True(best.GetProperty("far_away").GetBoolean());
        Assert.True(best.GetProperty("distance_m").GetDouble() > 10_000_000);
        Assert.Contains("Far away", best.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains("far from the child", shelter.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.True(nearest.GetProperty("results")[0].GetProperty("far_away").GetBoolean());
        Assert.False(nearest.GetProperty("same_country").GetBoolean());
    }

    [Fact]
    public async Task Nearest_NearbySiteAtHome_HasNoFlagsAndNoNote()
    {
        await AddAsync("Police KE near", Lat, 34.05, "KE");

        var home = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?{At(Lat, Lng)}&category=police");

        var r = home.GetProperty("results")[0];
        Assert.False(r.GetProperty("far_away").GetBoolean());
        Assert.False(r.GetProperty("abroad").GetBoolean());
        Assert.False(r.TryGetProperty("note", out _));
        Assert.False(home.TryGetProperty("note", out _));
    }
}
