using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

/// <summary>
/// Issue 12, item 13: the id a record has in the file it came from (<c>source_id</c>) is shown in reads (REST, GraphQL) and
/// exports, so a planner can join the directory back to the national list; never for a confidential place to the public.
/// </summary>
public sealed class SourceIdTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    [Fact]
    public async Task ImportedRecords_ShowTheirSourceAndSourceId_InReadsAndExports()
    {
        var csv = "source_id,name,category,lat,lon,phone,country,visibility\n"
            + "KE-POL-0031,Comisaría de Pavas,police,9.95,-84.13,2222 3333,CR,public\n"
            + "SHELTER-PAVAS-7,Albergue,shelter,9.96,-84.12,2222 4444,CR,hidden\n";
        var result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=national-list&organization=Ministerio");
        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        var id = await Factory.WithDbAsync(db => db.Services.Where(s => s.SourceId == "KE-POL-0031").Select(s => s.Id).SingleAsync());
        var shelter = await Factory.WithDbAsync(db => db.Services.Where(s => s.SourceId == "SHELTER-PAVAS-7").Select(s => s.Id).SingleAsync());

        var rest = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{id}");
        var graphql = (await Public.PostGraphQLAsync($$"""{ service(id: "{{id}}") { source sourceId serviceAtLocations { location { sourceId } } } }""")).AssertData().GetProperty("service");
        var csvExport = await Public.GetStringAsync("/api/exports/csv");
        var publicShelter = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{shelter}");
        var adminShelter = await Client.GetFromJsonAsync<JsonElement>($"/api/services/{shelter}");

        Assert.Equal(("national-list", "KE-POL-0031"), (rest.GetProperty("source").GetString(), rest.GetProperty("source_id").GetString()));
        Assert.Equal("KE-POL-0031", rest.GetProperty("service_at_locations")[0].GetProperty("location").GetProperty("source_id").GetString());
        Assert.Equal(("national-list", "KE-POL-0031"), (graphql.GetProperty("source").GetString(), graphql.GetProperty("sourceId").GetString()));
        Assert.Equal("KE-POL-0031", graphql.GetProperty("serviceAtLocations")[0].GetProperty("location").GetProperty("sourceId").GetString());
        var lines = csvExport.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimEnd('\r').Split(',');
        var row = lines.Single(l => l.Contains("Comisaría de Pavas", StringComparison.Ordinal)).TrimEnd('\r').Split(',');
        Assert.Equal("KE-POL-0031", row[Array.IndexOf(header, "source_id")]);
        Assert.Equal("national-list", row[Array.IndexOf(header, "source")]);
        // The service's own id in the list is public; its hidden place's is not.
        Assert.Equal("SHELTER-PAVAS-7", publicShelter.GetProperty("source_id").GetString());
        Assert.DoesNotContain("\"location\"", publicShelter.GetProperty("service_at_locations").GetRawText(), StringComparison.Ordinal);
        Assert.Equal("SHELTER-PAVAS-7", adminShelter.GetProperty("service_at_locations")[0].GetProperty("location").GetProperty("source_id").GetString());
    }
}
