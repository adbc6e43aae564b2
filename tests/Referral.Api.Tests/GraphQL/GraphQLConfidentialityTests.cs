using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.GraphQL;

/// <summary>DESIGN.md "Confidentiality" holds for GraphQL as for REST: the public never sees where a shelter is.</summary>
public sealed class GraphQLConfidentialityTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.96128, Lng = -84.04773;
    private const string Street = "Calle Secreta 77";

    private async Task<string> CreateAsync(string visibility)
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Shelter network");
        var doc = TestData.Service(org, $"Shelter ({visibility})", Lat, Lng, "shelter", visibility);
        doc["service_at_locations"]![0]!["location"]!["addresses"]![0]!["address_1"] = Street;
        doc["service_at_locations"]![0]!["location"]!["description"] = "Behind the blue gate";
        doc["service_areas"] = new JsonArray(new JsonObject { ["name"] = "San José", ["region_codes"] = new JsonArray("CR-SJ") });
        return (await TestData.CreateServiceAsync(Client, doc)).GetProperty("id").GetString()!;
    }

    private async Task<(JsonElement Service, string Text)> QueryAsync(string id)
    {
        var fields = $"{RestShape.ServiceFields} locations {{ latitude longitude description addresses {{ address1 }} }}";
        var one = await Public.PostGraphQLAsync($"query($id: ID!) {{ service(id: $id) {{ {fields} }} }}", new { id });
        var list = await Public.PostGraphQLAsync($"{{ services {{ edges {{ node {{ {fields} }} }} }} }}");
        Assert.Equal(1, list.AssertData().GetProperty("services").GetProperty("edges").GetArrayLength());
        return (one.AssertData().GetProperty("service"), one.Text + list.Text);
    }

    private static void AssertNoExactPlace(string output)
    {
        Assert.DoesNotContain(Lat.ToString("0.000", CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.DoesNotContain(Lng.ToString("0.000", CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.DoesNotContain(Street, output, StringComparison.Ordinal);
        Assert.DoesNotContain("blue gate", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approximate_Location_IsGeneralisedWithoutAddress()
    {
        var id = await CreateAsync("approximate");

        var (service, text) = await QueryAsync(id);

        AssertNoExactPlace(text);
        var location = service.GetProperty("serviceAtLocations")[0].GetProperty("location");
        Assert.Equal("APPROXIMATE", location.GetProperty("visibility").GetString());
        Assert.Equal(9.975, location.GetProperty("latitude").GetDouble(), 6);
        Assert.Equal(-84.025, location.GetProperty("longitude").GetDouble(), 6);
        Assert.Empty(location.GetProperty("addresses").EnumerateArray());
        Assert.Equal(9.975, service.GetProperty("locations")[0].GetProperty("latitude").GetDouble(), 6);
    }

    [Fact]
    public async Task Hidden_Location_IsLeftOut_ButServiceIsReachableThroughAreaAndPhone()
    {
        var id = await CreateAsync("hidden");

        var (service, text) = await QueryAsync(id);

        AssertNoExactPlace(text);
        Assert.Empty(service.GetProperty("serviceAtLocations").EnumerateArray());
        Assert.Empty(service.GetProperty("locations").EnumerateArray());
        Assert.Equal("CR-SJ", service.GetProperty("serviceAreas")[0].GetProperty("regionCodes")[0].GetString());
        Assert.NotEmpty(service.GetProperty("phones").EnumerateArray());
    }

    [Fact]
    public async Task Public_Location_IsExact()
    {
        var id = await CreateAsync("public");

        var (service, text) = await QueryAsync(id);

        var location = service.GetProperty("serviceAtLocations")[0].GetProperty("location");
        Assert.Equal(Lat, location.GetProperty("latitude").GetDouble(), 6);
        Assert.Contains(Street, text, StringComparison.Ordinal);
    }
}
