using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// Security review, findings 8 and 5 (search): control characters in any query parameter and oversized searches are
/// 400 VALIDATION_FAILED on every route; GraphQL errors never carry .NET stack traces, even in Development.
/// </summary>
public sealed class QueryInputTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public static TheoryData<string, string> ControlCharacterQueries => new()
    {
        { "/api/services?search=abc%00def", "search" },
        { "/api/services?format=ndjson&search=%00", "search" },
        { "/api/service_at_locations?search=a%00", "search" },
        { "/api/organizations?search=%00", "search" },
        { "/api/taxonomy_terms?search=%07", "search" },
        { "/api/nearest?lat=9.9&lng=-84.1&search=%00", "search" },
        { "/api/referral?lat=9.9&lng=-84.1&language=e%00", "language" },
        { "/api/audit?actor=%00", "actor" },
        { "/api/places?q=san%00jose", "q" },
        { "/api/gap_analyses?dataset_id=%1B", "dataset_id" },
    };

    [Theory]
    [MemberData(nameof(ControlCharacterQueries))]
    public async Task ControlCharacterInAQueryParameter_Is400WithTheField(string url, string field)
    {
        var response = await Client.GetAsync(url);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, "VALIDATION_FAILED");
        Assert.Equal([field], Problem.Fields(problem));
    }

    [Theory]
    [InlineData("/api/services?search=")]
    [InlineData("/api/service_at_locations?search=")]
    [InlineData("/api/organizations?search=")]
    [InlineData("/api/taxonomy_terms?search=")]
    [InlineData("/api/nearest?lat=9.9&lng=-84.1&search=")]
    public async Task SearchWithTooManyWordsOrCharacters_Is400(string prefix)
    {
        var words = await Public.GetAsync(prefix + Uri.EscapeDataString(string.Join(' ', Enumerable.Repeat("abuso", 11))));
        var length = await Public.GetAsync(prefix + new string('a', 201));
        var fine = await Public.GetAsync(prefix + Uri.EscapeDataString(string.Join(' ', Enumerable.Repeat("abuso", 10))));

        Assert.Contains("10 words", (await Problem.AssertAsync(words, HttpStatusCode.BadRequest, "VALIDATION_FAILED")).GetProperty("errors").GetProperty("search")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(["search"], Problem.Fields(await Problem.AssertAsync(length, HttpStatusCode.BadRequest, "VALIDATION_FAILED")));
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task GraphQLSearchWithTooManyWords_IsValidationFailed()
    {
        var words = string.Join(' ', Enumerable.Repeat("abuso", 11));

        var services = await Public.PostGraphQLAsync("query($s: String) { services(search: $s) { items { name } } }", new { s = words });
        var nearest = await Public.PostGraphQLAsync(
            "query($s: String) { nearestServices(near: {lat: 9.9, lng: -84.1}, filter: {search: $s}) { results { distanceM } } }", new { s = words });

        services.AssertError("VALIDATION_FAILED");
        nearest.AssertError("VALIDATION_FAILED");
    }

    [Fact]
    public async Task GraphQLUnexpectedError_InDevelopment_CarriesNoStackTrace()
    {
        // A NUL byte reaches PostgreSQL through region(code:), which refuses it: an unexpected error, masked.
        var response = await Public.PostGraphQLAsync("query($c: String!) { region(code: $c) { code } }", new { c = "CR\u0000" });

        var error = Assert.Single(response.Errors);
        Assert.Equal("INTERNAL_ERROR", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.DoesNotContain(" at ", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", response.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryWithoutControlCharacters_StillAnswers()
    {
        var response = await Public.GetFromJsonAsync<JsonElement>("/api/services?search=" + Uri.EscapeDataString("línea ayuda ñ"));

        Assert.Equal(0, response.GetProperty("total_items").GetInt32());
    }
}
