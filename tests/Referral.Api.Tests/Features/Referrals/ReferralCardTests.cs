using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

public sealed class ReferralCardTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.9, Lng = -84.1;
    private Guid _org;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _org = await TestData.CreateOrganizationAsync(Client);
        await TestData.AddRegionAsync(Factory, "TST", Lat, Lng, 1.0);
    }

    private async Task AddAsync(string name, double north, string category, Action<JsonObject>? change = null)
    {
        var doc = TestData.Service(_org, name, Lat + north, Lng, category);
        change?.Invoke(doc);
        await TestData.CreateServiceAsync(Client, doc);
    }

    private async Task AddRemoteAsync(string name, string category, string[] platforms, string area = "TST")
    {
        var doc = TestData.Service(_org, name, 0, 0, category);
        doc["service_at_locations"] = new JsonArray();
        doc["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray(area) });
        doc["platforms"] = new JsonArray([.. platforms.Select(p => JsonValue.Create(p))]);
        doc["delivery_modes"] = new JsonArray("online_form");
        await TestData.CreateServiceAsync(Client, doc);
    }

    private async Task<JsonElement> CardAsync(string query) =>
        await Client.GetFromJsonAsync<JsonElement>($"/api/referral?lat={Lat}&lng={Lng}&{query}");

    private static JsonElement Section(JsonElement card, string category) =>
        card.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == category);

    private static string? Best(JsonElement section) =>
        section.TryGetProperty("best", out var b) ? b.GetProperty("service").GetProperty("name").GetString() : null;

    [Fact]
    public async Task Card_BestPerCategoryWithUpToTwoAlternatives_AndLabelsInTheChildsLanguage()
    {
        await AddAsync("police 1", 0.01, "police");
        await AddAsync("police 2", 0.02, "police");
        await AddAsync("police 3", 0.03, "police");
        await AddAsync("police 4", 0.04, "police");
        await AddAsync("health 1", 0.05, "health");

        var card = await CardAsync("age=12&language=es&needs=police,health,shelter");

        Assert.Equal(["police", "health", "shelter"], card.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("category").GetString()));
        var police = Section(card, "police");
        Assert.Equal("police 1", Best(police));
        Assert.Equal(["police 2", "police 3"], police.GetProperty("alternatives").EnumerateArray().Select(a => a.GetProperty("service").GetProperty("name").GetString()));
        Assert.Equal("police (es)", police.GetProperty("label").GetString());
        Assert.Equal("health 1", Best(Section(card, "health")));
        var shelter = Section(card, "shelter");
        Assert.Null(Best(shelter));
        // language=es is a response language: the note is in Spanish (LocalisationTests).
        Assert.Contains("canales a distancia", shelter.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.True(police.GetProperty("best").TryGetProperty("open_now", out _));
        Assert.Equal(12, card.GetProperty("profile").GetProperty("age").GetInt32());
        Assert.False(string.IsNullOrEmpty(card.GetProperty("notice").GetString()));
    }

    [Fact]
    public async Task Card_AgeAndGenderAreEligibility_LanguageAndAudienceArePreferences()
    {
        await AddAsync("adults only", 0.001, "psychosocial", d =>
        {
            d["minimum_age"] = 18;
            d["maximum_age"] = 120;
        });
        await AddAsync("boys only", 0.002, "psychosocial", d => d["genders"] = new JsonArray("male"));
        await AddAsync("english nearby", 0.010, "psychosocial", d => d["languages"] = new JsonArray(new JsonObject { ["code"] = "en" }));
        await AddAsync("spanish a bit farther", 0.014, "psychosocial");
        await AddAsync("spanish far", 0.030, "psychosocial");

        var card = await CardAsync("age=12&gender=female&language=es&needs=psychosocial");

        var section = Section(card, "psychosocial");
        // 1.4 km in Spanish beats 1.1 km in English (1.1 × 1.5 = 1.65); 3.3 km in Spanish does not.
        Assert.Equal("spanish a bit farther", Best(section));
        Assert.Equal(["english nearby", "spanish far"], section.GetProperty("alternatives").EnumerateArray().Select(a => a.GetProperty("service").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Card_RemoteChannelsAndPlatformChannels()
    {
        await AddAsync("police", 0.01, "police");
        await AddRemoteAsync("national helpline", "helpline", []);
        await AddRemoteAsync("tiktok reporting", "online_reporting", ["tiktok", "instagram"]);
        await AddRemoteAsync("games reporting", "online_reporting", ["games"]);
        await AddRemoteAsync("tiktok elsewhere", "online_reporting", ["tiktok"], "ZZ");

        var tiktok = await CardAsync("platform=tiktok");
        var none = await CardAsync("");

        string[] Names(JsonElement card, string list) =>
            [.. card.GetProperty(list).EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()!).Order()];
        Assert.Equal(["games reporting", "national helpline", "tiktok reporting"], Names(none, "remote"));
        Assert.Empty(Names(none, "platform_channels"));
        Assert.Equal(["tiktok reporting"], Names(tiktok, "platform_channels"));
    }

    [Theory]
    [InlineData("", "lat")]
    [InlineData("lat=9.9&lng=-84.1&needs=unicorns", "needs")]
    [InlineData("lat=9.9&lng=-84.1&platform=myspace", "platform")]
    [InlineData("lat=9.9&lng=-84.1&audience=everyone", "audience")]
    [InlineData("lat=9.9&lng=-84.1&age=121", "age")]
    public async Task Card_BadInput_Returns400WithField(string query, string field)
    {
        var response = await Client.GetAsync($"/api/referral?{query}");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(field, Problem.Fields(problem));
    }
}
