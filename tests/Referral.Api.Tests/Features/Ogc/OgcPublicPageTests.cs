using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Features.Access;
using Referral.Api.Features.Ogc;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Ogc;

/// <summary>
/// The public page of services (a box and a page, no property filter) is read by its own Npgsql statement
/// (OgcFeatures.WritePublicPageAsync) instead of the general EF query: it must write the very same bytes as the general
/// path for every page, box and mix of public, approximate and hidden sites.
/// </summary>
public sealed class OgcPublicPageTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private async Task ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Org A");
        var other = await TestData.CreateOrganizationAsync(Client, "Org B");
        var two = TestData.Service(org, "Two categories", 9.9333, -84.0833, "police");
        two["categories"] = new JsonArray("shelter", "health", "police");
        two["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }, new JsonObject { ["code"] = "en" });
        two["minimum_age"] = 12;
        two["maximum_age"] = 17;
        two["service_at_locations"]![0]!["location"]!.AsObject()["addresses"] = new JsonArray(
            new JsonObject { ["address_1"] = "Primera 1", ["city"] = "San José", ["postal_code"] = "10101", ["country"] = "CR" },
            new JsonObject { ["address_1"] = "Segunda 2", ["city"] = "Heredia", ["postal_code"] = "40101", ["country"] = "CR" });
        await TestData.CreateServiceAsync(Client, two);
        var none = TestData.Service(other, "No address", 9.9350, -84.0800, "health");
        none["service_at_locations"]![0]!["location"]!.AsObject()["addresses"] = new JsonArray();
        await TestData.CreateServiceAsync(Client, none);
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Approximate shelter", 9.9669, -84.0285, "shelter", "approximate"));
        await TestData.CreateServiceAsync(Client, TestData.Service(org, "Hidden shelter", 9.9670, -84.0285, "shelter", "hidden"));
        await TestData.CreateServiceAsync(Client, TestData.Service(other, "Limón", 9.9900, -83.0300, "legal_aid"));
        for (var i = 0; i < 4; i++)
        {
            await TestData.CreateServiceAsync(Client, TestData.Service(other, $"More {i}", 9.94 + (i * 0.001), -84.07, "police"));
        }
    }

    /// <summary>A page of the services collection as the public gets it, by the direct path or the general one (also OgcServiceFeatureTests).</summary>
    internal static async Task<string> PageAsync(ReferralApiFactory factory, OgcItemsRequest request, bool direct)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorContext>().Set(Actor.Anonymous);
        var features = scope.ServiceProvider.GetRequiredService<OgcFeatures>();
        features.DirectPublicPages = direct;
        using var buffer = new MemoryStream();
        OgcCounts counts;
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            counts = await features.WriteAsync(new OgcCollection(OgcCatalog.Services, OgcKind.Services, "Services", ""), request, null, json,
                () => Task.CompletedTask, CancellationToken.None);
            json.WriteEndArray();
        }
        return $"{counts}\n{System.Text.Encoding.UTF8.GetString(buffer.ToArray())}";
    }

    [Theory]
    [InlineData(100, 0, null)]
    [InlineData(3, 0, null)]
    [InlineData(3, 3, null)]
    [InlineData(3, 6, null)]
    [InlineData(3, 30, null)]
    [InlineData(100, 0, "-84.2,9.8,-84.0,10.0")]
    [InlineData(2, 2, "-84.2,9.8,-84.0,10.0")]
    [InlineData(100, 0, "-84.05,9.95,-84.0,10.0")] // around the approximate site's exact point: only its public point counts
    [InlineData(100, 0, "170,-10,-83.5,10.1")] // across the antimeridian
    [InlineData(100, 0, "10,10,11,11")]
    public async Task PublicPage_WritesTheSameBytes_AsTheGeneralPath(int limit, int offset, string? bbox)
    {
        await ArrangeAsync();
        var box = bbox?.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray() is { } b
            ? new OgcBox(b[0], b[1], b[2], b[3]) : null;
        var request = new OgcItemsRequest(limit, offset, box, null, null, null, null, null, null, null);

        var general = await PageAsync(Factory, request, direct: false);
        var direct = await PageAsync(Factory, request, direct: true);

        Assert.Equal(general, direct);
        Assert.DoesNotContain("Hidden shelter", direct, StringComparison.Ordinal);
        Assert.DoesNotContain("Approximate shelter office", direct, StringComparison.Ordinal);
    }
}
