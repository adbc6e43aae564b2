using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Services;

/// <summary>
/// One rule for the write API and the import: a service with neither a location nor a service area can never be found by
/// nearest, referral or gap analysis. The import refused such a row (missing_coordinates) while the API stored it; both
/// refuse it now. A service without a site that serves an area (a national helpline, an online channel) is fine in both.
/// </summary>
public sealed class SitelessServiceRuleTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private static JsonObject Siteless(Guid org, JsonArray? areas)
    {
        var doc = TestData.Service(org, "Línea de ayuda", 0, 0, "helpline");
        doc["service_at_locations"] = new JsonArray();
        if (areas is not null)
        {
            doc["service_areas"] = areas;
        }
        return doc;
    }

    [Fact]
    public async Task SitelessServiceWithoutArea_IsRefusedByRestGraphQLAndTheImport_WithAnAreaItIsStored()
    {
        await ImportApi.AddCountriesAsync(Factory);
        var org = await TestData.CreateOrganizationAsync(Client);

        var rest = await Client.PostAsJsonAsync("/api/services", Siteless(org, null));
        var graphql = await Client.PostGraphQLAsync(
            "mutation($input: ServiceInput!) { createService(input: $input) { id } }",
            new { input = new { organizationId = org, name = "Línea de ayuda", status = "ACTIVE", categories = new[] { "HELPLINE" }, serviceAtLocations = Array.Empty<object>() } });
        // Without a country the import cannot default the area; a file without position columns no longer slips it through.
        var import = await ImportApi.PostAsync(Client, "id,name,category,phone\nH1,Línea de ayuda,helpline,1147\n", "text/csv", "source=helplines&dry_run=true");
        var withColumns = await ImportApi.PostAsync(Client, "id,name,category,phone,lat,lon\nH1,Línea de ayuda,helpline,1147,,\n", "text/csv", "source=helplines&dry_run=true");
        var withArea = await Client.PostAsJsonAsync("/api/services", Siteless(org, new JsonArray(new JsonObject { ["name"] = "Costa Rica", ["region_codes"] = new JsonArray("CR") })));

        var problem = await Problem.AssertAsync(rest, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal(["service_areas"], Problem.Fields(problem));
        Assert.Contains("is required for a service without a location", problem.GetProperty("errors").GetProperty("service_areas")[0].GetString(), StringComparison.Ordinal);
        var error = graphql.AssertError("VALIDATION_FAILED");
        Assert.Contains("serviceAreas", error.GetProperty("extensions").GetProperty("fields").EnumerateObject().Select(f => f.Name));
        Assert.Equal(["missing_coordinates"], import.CodesAt(2));
        Assert.Equal(["missing_coordinates"], withColumns.CodesAt(2));
        Assert.Equal(HttpStatusCode.Created, withArea.StatusCode);
    }

    [Fact]
    public async Task RemovingTheLastSiteOfAServiceWithoutArea_IsRefused()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var created = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Comisaría"));
        var doc = JsonNode.Parse(created.GetRawText())!.AsObject();
        doc["service_at_locations"] = new JsonArray();

        var response = await Client.PutAsJsonAsync($"/api/services/{created.GetProperty("id").GetGuid()}", doc);

        Assert.Equal(["service_areas"], Problem.Fields(await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED")));
    }
}
