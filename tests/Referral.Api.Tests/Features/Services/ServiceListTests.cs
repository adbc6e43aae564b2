using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Services;

public sealed class ServiceListTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static string[] Names(JsonElement page) =>
        [.. page.GetProperty("contents").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    [Fact]
    public async Task List_Paging_FollowsHsdsEnvelope()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        foreach (var name in new[] { "E", "A", "C", "B", "D" })
        {
            await TestData.CreateServiceAsync(Client, TestData.Service(org, name));
        }

        var first = await Client.GetFromJsonAsync<JsonElement>("/api/services?per_page=2");
        var middle = await Client.GetFromJsonAsync<JsonElement>("/api/services?per_page=2&page=2");
        var last = await Client.GetFromJsonAsync<JsonElement>("/api/services?per_page=2&page=3");
        var beyond = await Client.GetFromJsonAsync<JsonElement>("/api/services?per_page=2&page=9");

        Assert.Equal(["A", "B"], Names(first));
        Assert.Equal(["C", "D"], Names(middle));
        Assert.Equal(["E"], Names(last));
        Assert.Equal(5, first.GetProperty("total_items").GetInt32());
        Assert.Equal(3, first.GetProperty("total_pages").GetInt32());
        Assert.True(first.GetProperty("first_page").GetBoolean());
        Assert.False(first.GetProperty("last_page").GetBoolean());
        Assert.Equal(2, middle.GetProperty("page_number").GetInt32());
        Assert.False(middle.GetProperty("first_page").GetBoolean());
        Assert.False(middle.GetProperty("last_page").GetBoolean());
        Assert.True(last.GetProperty("last_page").GetBoolean());
        Assert.Equal(1, last.GetProperty("size").GetInt32());
        Assert.True(beyond.GetProperty("empty").GetBoolean());
        Assert.Empty(beyond.GetProperty("contents").EnumerateArray());
    }

    [Fact]
    public async Task List_PerPageAboveCap_IsCappedAt100()
    {
        var page = await Client.GetFromJsonAsync<JsonElement>("/api/services?per_page=5000");

        Assert.True(page.GetProperty("empty").GetBoolean());
        Assert.Equal(0, page.GetProperty("total_pages").GetInt32());
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=-3", "page")]
    [InlineData("per_page=0", "per_page")]
    public async Task List_ImpossiblePaging_Returns400WithField(string query, string field)
    {
        var response = await Client.GetAsync($"/api/services?{query}");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(field, Problem.Fields(problem));
    }

    [Theory]
    [InlineData("page=abc")]
    [InlineData("organization_id=not-a-uuid")]
    [InlineData("modified_after=yesterday")]
    public async Task List_UnparsableParameter_Returns400Problem(string query)
    {
        var response = await Client.GetAsync($"/api/services?{query}");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Contains(query.Split('&')[^1].Split('=')[0], Problem.Fields(problem));
    }

    [Fact]
    public async Task List_Search_IsAccentAndCaseInsensitive_AndMatchesOrganizationName()
    {
        var police = await TestData.CreateOrganizationAsync(Client, "Policía Especializada");
        var other = await TestData.CreateOrganizationAsync(Client, "Clínica Norte");
        await TestData.CreateServiceAsync(Client, TestData.Service(police, "Unidad de Niñez"));
        await TestData.CreateServiceAsync(Client, TestData.Service(other, "Atención psicológica"));

        var byServiceName = await Client.GetFromJsonAsync<JsonElement>("/api/services?search=NINEZ");
        var byOrgName = await Client.GetFromJsonAsync<JsonElement>("/api/services?search=policia");
        var accentedQuery = await Client.GetFromJsonAsync<JsonElement>("/api/services?search=Psicológica");
        var wildcard = await Client.GetFromJsonAsync<JsonElement>("/api/services?search=%25");

        Assert.Equal(["Unidad de Niñez"], Names(byServiceName));
        Assert.Equal(["Unidad de Niñez"], Names(byOrgName));
        Assert.Equal(["Atención psicológica"], Names(accentedQuery));
        Assert.Empty(Names(wildcard));
    }

    [Fact]
    public async Task List_FiltersByTaxonomyTermOrganizationAndModifiedAfter()
    {
        var orgA = await TestData.CreateOrganizationAsync(Client, "A");
        var orgB = await TestData.CreateOrganizationAsync(Client, "B");
        await TestData.CreateServiceAsync(Client, TestData.Service(orgA, "Police A", category: "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(orgB, "Health B", category: "health"));
        var cutoff = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        await TestData.CreateServiceAsync(Client, TestData.Service(orgB, "Police B", category: "police"));

        var police = await Client.GetFromJsonAsync<JsonElement>($"/api/services?taxonomy_term_id={TestData.TermId("police")}");
        var taxonomy = await Client.GetFromJsonAsync<JsonElement>($"/api/services?taxonomy_id={TestData.CategoryTaxonomyId}");
        var ofB = await Client.GetFromJsonAsync<JsonElement>($"/api/services?organization_id={orgB}");
        var recent = await Client.GetFromJsonAsync<JsonElement>($"/api/services?modified_after={Uri.EscapeDataString(cutoff.ToString("O"))}");

        Assert.Equal(["Police A", "Police B"], Names(police));
        Assert.Equal(3, taxonomy.GetProperty("total_items").GetInt32());
        Assert.Equal(["Health B", "Police B"], Names(ofB));
        Assert.Equal(["Police B"], Names(recent));
    }
}
