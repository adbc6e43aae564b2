using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>Full-text search: several languages, accent-insensitive, small typos, combined with filters.</summary>
public sealed class SearchTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var org = await TestData.CreateOrganizationAsync(Client, "Fundación Esperanza");
        var other = await TestData.CreateOrganizationAsync(Client, "Other");
        await Add(org, "Atención psicológica para adolescentes", "Acompañamiento tras abusos sexuales en línea.", "psychosocial", 9.9);
        await Add(other, "Legal aid for families", "Free lawyers help children who suffered abuse.", "legal_aid", 9.95);
        await Add(other, "Apoio jurídico", "Assistência gratuita às crianças vítimas de violência.", "legal_aid", 10.0);
        await Add(other, "Soutien aux enfants", "Écoute et accompagnement des enfants victimes de violences sexuelles.", "psychosocial", 10.05);
        await Add(other, "Unidad contra la Violencia Sexual", "Denuncias de explotación.", "police", 10.1);

        async Task Add(Guid o, string name, string description, string category, double lat)
        {
            var doc = TestData.Service(o, name, lat, -84.1, category);
            doc["description"] = description;
            await TestData.CreateServiceAsync(Client, doc);
        }
    }

    private async Task<string[]> SearchAsync(string query) =>
        [.. (await Client.GetFromJsonAsync<JsonElement>($"/api/services?search={Uri.EscapeDataString(query)}"))
            .GetProperty("contents").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).Order()];

    [Theory]
    [InlineData("psicologica", "Atención psicológica para adolescentes")]
    [InlineData("PSICOLÓGICA", "Atención psicológica para adolescentes")]
    [InlineData("abuso sexual", "Atención psicológica para adolescentes")]
    [InlineData("lawyer", "Legal aid for families")]
    [InlineData("juridico", "Apoio jurídico")]
    [InlineData("violências", "Apoio jurídico")]
    [InlineData("écoute", "Soutien aux enfants")]
    [InlineData("esperanza", "Atención psicológica para adolescentes")]
    [InlineData("adolecentes", "Atención psicológica para adolescentes")]
    [InlineData("violensia", "Unidad contra la Violencia Sexual")]
    public async Task Search_FindsAcrossLanguagesAccentsAndTypos(string query, string expected)
    {
        Assert.Contains(expected, await SearchAsync(query));
    }

    [Fact]
    public async Task Search_UnrelatedWords_FindNothing()
    {
        Assert.Empty(await SearchAsync("zanahoria"));
    }

    [Fact]
    public async Task Search_CombinesWithNearestFilters()
    {
        var legal = await Client.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.9&lng=-84.1&search=violencia&category=legal_aid");
        var any = await Client.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.9&lng=-84.1&search=violencia");

        Assert.Equal(["Apoio jurídico"], legal.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()));
        Assert.True(any.GetProperty("results").GetArrayLength() >= 2);
    }

    [Fact]
    public async Task Search_ServiceAtLocations_UsesTheSameSearch()
    {
        var page = await Client.GetFromJsonAsync<JsonElement>("/api/service_at_locations?search=psicologica");

        Assert.Equal(["Atención psicológica para adolescentes"],
            page.GetProperty("contents").EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()));
    }
}
