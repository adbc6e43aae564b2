using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Features.Access;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Access;

/// <summary>
/// Who sees a place exactly (issue 11 High 1, issue 19 survivor 1), as a matrix: role (anonymous, caseworker, editor of
/// the owning organization, editor of another organization, planner, admin) × visibility (public, approximate, hidden) ×
/// every read path. Exact means the point, the street, the place's own name and texts, and the service-at-location's
/// description; anything else must carry none of them.
/// </summary>
public sealed class ExactnessMatrixTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Anonymous = "anonymous", OwnEditor = "editor (owner)", OtherEditor = "editor (other organization)";

    // Keys of other roles bound to the owning organization: the organization grant is an editor's alone, so a caseworker
    // of the owner sees what every caseworker sees and a planner of the owner only the public view.
    private const string OwnCaseworker = "caseworker (owner)", OwnPlanner = "planner (owner)";

    // Each site sits in its own 0.05° cell, about 1 km from the cell's centre; the digits appear in no public point.
    private static readonly Site[] Sites =
    [
        new("public", 9.766912, -84.228537),
        new("approximate", 9.866913, -84.128538),
        new("hidden", 9.966914, -84.028539),
    ];

    private sealed record Site(string Visibility, double Lat, double Lng)
    {
        public string LatText => Lat.ToString("0.00000", System.Globalization.CultureInfo.InvariantCulture);
        public string Street => $"Calle {Visibility} 17-A";
        public string PlaceName => $"Casa {Visibility} de las Palmas";
        public string AlternateName => $"Palmas {Visibility}";
        public string Url => $"https://{Visibility}.palmas.example.org";
        public string PlaceText => $"Behind the blue church ({Visibility})";
        public string IntakeText => $"Intake at the back door ({Visibility})";

        /// <summary>Everything that would give the place away.</summary>
        public string[] Secrets => [LatText, Street, PlaceName, AlternateName, Url, PlaceText, IntakeText];
    }

    /// <summary>The rule under test: admins all; the owning organization's editors theirs; caseworkers approximate ones.</summary>
    private static bool SeesExactly(string role, string visibility) => visibility == "public" || role switch
    {
        Roles.Admin or OwnEditor => true,
        Roles.Caseworker or OwnCaseworker => visibility == "approximate",
        _ => false,
    };

    private enum PathKind
    {
        /// <summary>Documents and lists that show hidden places to those who may see them.</summary>
        Full,

        /// <summary>Searches by distance: a hidden place is never placed, for anybody.</summary>
        Near,

        /// <summary>Outputs that always show the public view (exports without exact=true, list items without locations).</summary>
        PublicView,
    }

    private async Task<(Guid Owner, Dictionary<string, (Guid Service, Guid Sal)> Ids)> ArrangeAsync()
    {
        var owner = await TestData.CreateOrganizationAsync(Client, "Owner of the shelters");
        await TestData.AddRegionAsync(Factory, "TMX", 9.85, -84.12, 1.0);
        var ids = new Dictionary<string, (Guid, Guid)>();
        foreach (var site in Sites)
        {
            var doc = TestData.Service(owner, "shelter " + site.Visibility, site.Lat, site.Lng, "shelter", site.Visibility);
            var sal = doc["service_at_locations"]![0]!.AsObject();
            sal["description"] = site.IntakeText;
            var location = sal["location"]!.AsObject();
            location["name"] = site.PlaceName;
            location["alternate_name"] = site.AlternateName;
            location["url"] = site.Url;
            location["description"] = site.PlaceText;
            location["addresses"]![0]!["address_1"] = site.Street;
            var created = await TestData.CreateServiceAsync(Client, doc);
            ids[site.Visibility] = (created.GetProperty("id").GetGuid(), created.GetProperty("service_at_locations")[0].GetProperty("id").GetGuid());
        }
        return (owner, ids);
    }

    private async Task<Dictionary<string, HttpClient>> ClientsAsync(Guid owner)
    {
        var other = await TestData.CreateOrganizationAsync(Client, "Another organization");
        async Task<HttpClient> Key(string role, Guid? org = null) =>
            Factory.CreateClient(await Factory.CreateKeyAsync($"{role}-{Guid.NewGuid():N}", role, org));
        return new Dictionary<string, HttpClient>
        {
            [Anonymous] = Public,
            [Roles.Caseworker] = await Key(Roles.Caseworker),
            [OwnEditor] = await Key(Roles.Editor, owner),
            [OtherEditor] = await Key(Roles.Editor, other),
            [Roles.Planner] = await Key(Roles.Planner),
            [OwnCaseworker] = await Key(Roles.Caseworker, owner),
            [OwnPlanner] = await Key(Roles.Planner, owner),
            [Roles.Admin] = Client,
        };
    }

    private sealed record ReadPath(string Name, PathKind Kind, Func<HttpClient, Task<string>> Read, string? OnlySite = null, bool OneBestPerCategory = false);

    private static List<ReadPath> Paths(Dictionary<string, (Guid Service, Guid Sal)> ids)
    {
        const string near = "lat=9.87&lng=-84.13";
        const string locationFields = "name alternateName url description latitude longitude addresses { address1 }";
        var paths = new List<ReadPath>
        {
            new("GET /api/services?format=ndjson&full=true", PathKind.Full, c => c.GetStringAsync("/api/services?format=ndjson&full=true")),
            new("GET /api/service_at_locations", PathKind.Full, c => c.GetStringAsync("/api/service_at_locations?per_page=100")),
            new("GET /api/service_at_locations?format=ndjson", PathKind.Full, c => c.GetStringAsync("/api/service_at_locations?format=ndjson")),
            new("GET /api/services (list)", PathKind.PublicView, c => c.GetStringAsync("/api/services")),
            new($"GET /api/service_at_locations?{near}", PathKind.Near, c => c.GetStringAsync($"/api/service_at_locations?{near}&per_page=100")),
            new($"GET /api/service_at_locations?{near}&proximity", PathKind.Near, c => c.GetStringAsync($"/api/service_at_locations?{near}&proximity=100000")),
            new("GET /api/nearest", PathKind.Near, c => c.GetStringAsync($"/api/nearest?{near}&limit=50")),
            new("GET /api/referral", PathKind.Near, c => c.GetStringAsync($"/api/referral?{near}&needs=shelter"), OneBestPerCategory: true),
            new("GraphQL nearestServices", PathKind.Near, async c => (await c.PostGraphQLAsync(
                $"{{ nearestServices(near: {{ lat: 9.87, lng: -84.13 }}, first: 50) {{ results {{ distanceM location {{ {locationFields} }} }} }} }}")).Text),
            new("GraphQL referralCard", PathKind.Near, async c => (await c.PostGraphQLAsync(
                $"{{ referralCard(near: {{ lat: 9.87, lng: -84.13 }}, needs: [SHELTER]) {{ categories {{ best {{ location {{ {locationFields} }} }} }} }} }}")).Text, OneBestPerCategory: true),
            new("GraphQL services", PathKind.Full, async c => (await c.PostGraphQLAsync(
                $"{{ services(first: 50) {{ edges {{ node {{ serviceAtLocations {{ description location {{ {locationFields} }} }} }} }} }} }}")).Text),
            new("GET /api/exports/hsds", PathKind.PublicView, c => c.GetStringAsync("/api/exports/hsds")),
            new("GET /api/exports/geojson", PathKind.PublicView, c => c.GetStringAsync("/api/exports/geojson")),
            new("GET /api/exports/csv", PathKind.PublicView, c => c.GetStringAsync("/api/exports/csv")),
            new("GET /api/exports/hsds-csv", PathKind.PublicView, async c => Unzip(await c.GetByteArrayAsync("/api/exports/hsds-csv"))),
        };
        foreach (var (visibility, (service, sal)) in ids)
        {
            paths.Add(new($"GET /api/services/{{{visibility}}}", PathKind.Full, c => c.GetStringAsync($"/api/services/{service}"), visibility));
            paths.Add(new($"GET /api/service_at_locations/{{{visibility}}}", PathKind.Full,
                async c => await (await c.GetAsync($"/api/service_at_locations/{sal}")).Content.ReadAsStringAsync(), visibility));
            paths.Add(new($"GraphQL service({visibility})", PathKind.Full, async c => (await c.PostGraphQLAsync(
                $"{{ service(id: \"{service}\") {{ serviceAtLocations {{ description location {{ {locationFields} }} }} }} }}")).Text, visibility));
        }
        return paths;
    }

    private static string Unzip(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        var text = new StringBuilder();
        foreach (var entry in archive.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            text.Append(reader.ReadToEnd());
        }
        return text.ToString();
    }

    [Fact]
    public async Task EveryRole_EveryVisibility_EveryReadPath_ShowsThePlaceExactlyOnlyToThoseTheRuleAllows()
    {
        var (owner, ids) = await ArrangeAsync();
        var clients = await ClientsAsync(owner);
        var paths = Paths(ids);
        var failures = new List<string>();

        foreach (var (role, client) in clients)
        {
            foreach (var path in paths)
            {
                var output = await path.Read(client);
                foreach (var site in Sites.Where(s => path.OnlySite is null || s.Visibility == path.OnlySite))
                {
                    var expected = site.Visibility == "public" || path.Kind switch
                    {
                        PathKind.Full => SeesExactly(role, site.Visibility),
                        PathKind.Near => site.Visibility != "hidden" && SeesExactly(role, site.Visibility),
                        _ => false,
                    };
                    // Every path that places sites must show the ones the rule allows (this also proves the path reads them);
                    // a referral card shows only the best site, and list items carry no location.
                    var checksPresence = path.Kind != PathKind.PublicView || path.Name.StartsWith("GET /api/exports", StringComparison.Ordinal);
                    if (expected && checksPresence && !(path.OneBestPerCategory && site.Visibility == "public")
                        && !output.Contains(site.LatText, StringComparison.Ordinal))
                    {
                        failures.Add($"{role} · {site.Visibility} · {path.Name}: the exact place is missing");
                    }
                    var shown = site.Secrets.Where(secret => output.Contains(secret, StringComparison.Ordinal)).ToList();
                    if (!expected && shown.Count > 0)
                    {
                        failures.Add($"{role} · {site.Visibility} · {path.Name}: leaks {string.Join(", ", shown)}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task ExactExport_AdminOnly_ShowsEverySiteExactly()
    {
        var (owner, _) = await ArrangeAsync();
        var clients = await ClientsAsync(owner);

        foreach (var (role, client) in clients.Where(c => c.Key != Roles.Admin))
        {
            var response = await client.GetAsync("/api/exports/hsds?exact=true");
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"{role}: {response.StatusCode}");
        }
        var exact = await Client.GetStringAsync("/api/exports/hsds?exact=true");

        Assert.All(Sites, s => Assert.Contains(s.Street, exact, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditorOfAnotherOrganization_ReadsConfidentialPlaces_AsThePublicDoes()
    {
        var (owner, ids) = await ArrangeAsync();
        var other = (await ClientsAsync(owner))[OtherEditor];
        var approximate = Sites.Single(s => s.Visibility == "approximate");

        var document = await other.GetFromJsonAsync<JsonElement>($"/api/services/{ids["approximate"].Service}");
        var hidden = await other.GetFromJsonAsync<JsonElement>($"/api/services/{ids["hidden"].Service}");
        var nearest = await other.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.87&lng=-84.13&category=shelter&limit=5");
        var salOfHidden = await other.GetAsync($"/api/service_at_locations/{ids["hidden"].Sal}");

        var location = document.GetProperty("service_at_locations")[0].GetProperty("location");
        Assert.False(location.TryGetProperty("addresses", out var addresses) && addresses.GetArrayLength() > 0);
        Assert.True(Math.Abs(location.GetProperty("latitude").GetDouble() - approximate.Lat) > 0.01, "the point is generalised");
        Assert.Equal(0, hidden.GetProperty("service_at_locations").GetArrayLength());
        var hit = nearest.GetProperty("results").EnumerateArray().Single(r => r.GetProperty("service").GetProperty("id").GetGuid() == ids["approximate"].Service);
        Assert.Equal(0, hit.GetProperty("distance_m").GetDouble() % 500);
        Assert.Equal(HttpStatusCode.NotFound, salOfHidden.StatusCode);
    }

    [Fact]
    public async Task PublicView_OfAnApproximatePlace_CarriesAGenericLabel_AndNoFreeText()
    {
        var (_, ids) = await ArrangeAsync();

        var document = await Public.GetFromJsonAsync<JsonElement>($"/api/services/{ids["approximate"].Service}");

        var sal = document.GetProperty("service_at_locations")[0];
        var location = sal.GetProperty("location");
        Assert.Equal("Confidential location — Costa Rica", location.GetProperty("name").GetString());
        Assert.False(location.TryGetProperty("alternate_name", out _));
        Assert.False(location.TryGetProperty("url", out _));
        Assert.False(location.TryGetProperty("description", out _));
        Assert.False(sal.TryGetProperty("description", out _));
    }

    [Fact]
    public async Task OwnerWritesBackThePublicView_KeepsTheRealNameAndTexts()
    {
        var (owner, ids) = await ArrangeAsync();
        var approximate = Sites.Single(s => s.Visibility == "approximate");
        var editor = (await ClientsAsync(owner))[OwnEditor];
        var publicView = JsonNode.Parse(await Public.GetStringAsync($"/api/services/{ids["approximate"].Service}"))!.AsObject();
        publicView["name"] = "shelter approximate, renamed";

        var put = await editor.PutAsJsonAsync($"/api/services/{ids["approximate"].Service}", publicView);
        var after = await editor.GetStringAsync($"/api/services/{ids["approximate"].Service}");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.All(approximate.Secrets.Where(s => s != approximate.IntakeText), s => Assert.Contains(s, after, StringComparison.Ordinal));
    }
}
