using System.Net;
using System.Text;
using System.Text.Json;
using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.Hsds;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Exports;

/// <summary>
/// <c>format=ndjson</c> on the HSDS list endpoints (HSDS API reference: "should stream all the results without pagination"):
/// every match, one HSDS item per line, the same filters and confidentiality as the JSON list.
/// </summary>
public sealed class NdjsonListTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const int Count = 130;

    /// <summary>More services than the largest JSON page, imported in one go; one of them at a hidden location.</summary>
    private async Task ArrangeAsync()
    {
        var csv = new StringBuilder("id,name,category,latitude,longitude,visibility,city,country,organization\n");
        for (var i = 0; i < Count; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"N{i:000},Servicio {i:000},{(i % 2 == 0 ? "police" : "health")},{9.90 + i * 0.001},{-84.10 + i * 0.001},{(i == 7 ? "hidden" : "public")},San José,CR,Org {i % 3}\n");
        }
        var result = await ImportApi.PostAsync(Client, csv.ToString(), "text/csv", "source=ndjson");
        Assert.Equal(HttpStatusCode.OK, result.Status);
    }

    private static async Task<(HttpResponseMessage Response, List<JsonElement> Lines)> GetLinesAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return (response, [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())]);
    }

    [Fact]
    public async Task ListServices_Ndjson_StreamsEveryServiceAsAListItem()
    {
        await ArrangeAsync();

        var (response, lines) = await GetLinesAsync(Public, "/api/services?format=ndjson");

        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Count, lines.Count);
        Assert.Equal(Count, lines.Select(l => l.GetProperty("id").GetGuid()).Distinct().Count());
        Assert.All(lines, l => Assert.Empty(HsdsSchemaValidator.Validate(l, HsdsSchemaValidator.ServiceList)));
    }

    [Fact]
    public async Task ListServices_NdjsonFull_StreamsFullDocumentsWithoutHiddenPlaces()
    {
        await ArrangeAsync();

        var (_, lines) = await GetLinesAsync(Public, "/api/services?format=ndjson&full=true&search=servicio");

        Assert.Equal(Count, lines.Count);
        Assert.All(lines, l => Assert.Empty(HsdsSchemaValidator.Validate(l, HsdsSchemaValidator.Service)));
        var hidden = Assert.Single(lines, l => l.GetProperty("name").GetString() == "Servicio 007");
        Assert.Equal(0, hidden.GetProperty("service_at_locations").GetArrayLength());
    }

    [Fact]
    public async Task ListServices_NdjsonWithFilter_StreamsOnlyMatches()
    {
        await ArrangeAsync();
        var police = TestData.TermId("police");

        var (_, lines) = await GetLinesAsync(Public, $"/api/services?format=ndjson&taxonomy_term_id={police}");

        // Exactly the police services (the even-numbered ones), each once: not merely as many lines as there are matches.
        var expected = Enumerable.Range(0, Count).Where(i => i % 2 == 0).Select(i => $"Servicio {i:000}");
        Assert.Equal(expected, lines.Select(l => l.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ListOrganizationsAndServiceAtLocations_Ndjson_StreamEveryVisibleItem()
    {
        await ArrangeAsync();

        var (_, organizations) = await GetLinesAsync(Public, "/api/organizations?format=ndjson");
        var (_, visible) = await GetLinesAsync(Public, "/api/service_at_locations?format=ndjson");
        var (_, all) = await GetLinesAsync(Client, "/api/service_at_locations?format=ndjson");
        var (_, near) = await GetLinesAsync(Public, "/api/service_at_locations?format=ndjson&lat=9.9&lng=-84.1&proximity=1000");

        Assert.Equal(3, organizations.Count);
        Assert.All(organizations, o => Assert.Empty(HsdsSchemaValidator.Validate(o, HsdsSchemaValidator.OrganizationList)));
        Assert.Equal(Count - 1, visible.Count);
        Assert.All(visible, x => Assert.Empty(HsdsSchemaValidator.Validate(x, HsdsSchemaValidator.ServiceAtLocationList)));
        Assert.Equal(Count, all.Count);
        Assert.NotEmpty(near);
        Assert.True(near.Count < Count);
        Assert.Equal(near.Select(x => x.GetProperty("distance_m").GetDouble()).Order(), near.Select(x => x.GetProperty("distance_m").GetDouble()));
    }

    [Fact]
    public async Task List_UnknownFormat_Is400()
    {
        using var response = await Public.GetAsync("/api/services?format=xml");

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["format"], Problem.Fields(problem));
    }
}
