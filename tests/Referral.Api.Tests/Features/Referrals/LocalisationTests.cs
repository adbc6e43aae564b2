using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Resources;
using System.Text.Json;
using System.Text.RegularExpressions;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// User-facing text follows the request's language (<c>language</c> when it is a response language, else
/// <c>Accept-Language</c>, else English); codes and field names never change.
/// </summary>
public sealed partial class LocalisationTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Card = "/api/referral?lat=9.9&lng=-84.1&needs=police&max_distance_m=1000";

    private async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string url, string? acceptLanguage)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (acceptLanguage is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        }
        var response = await Public.SendAsync(request);
        return (response, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task AcceptLanguageEs_GivesTheSpanishNoticeNoteAndValidationMessage_WithTheSameCode()
    {
        var (card, body) = await GetAsync(Card, "es-CR,es;q=0.9,en;q=0.5");
        var (invalid, problem) = await GetAsync("/api/nearest?lat=9.9&lng=-84.1&age=200", "es");
        var (_, english) = await GetAsync("/api/nearest?lat=9.9&lng=-84.1&age=200", null);

        Assert.Equal(HttpStatusCode.OK, card.StatusCode);
        Assert.Equal("es", card.Content.Headers.ContentLanguage.Single());
        Assert.StartsWith("Las distancias son en línea recta", body.GetProperty("notice").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("No se encontró ningún servicio presencial", body.GetProperty("categories")[0].GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains("a menos de 1 km", body.GetProperty("categories")[0].GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("VALIDATION_FAILED", problem.GetProperty("code").GetString());
        Assert.Equal("debe estar entre 0 y 120.", problem.GetProperty("errors").GetProperty("age")[0].GetString());
        Assert.Equal("must be between 0 and 120.", english.GetProperty("errors").GetProperty("age")[0].GetString());
        Assert.Equal("VALIDATION_FAILED", english.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("&language=fr", "es", "fr", "Les distances sont à vol d'oiseau")]
    [InlineData("&language=bzd", "pt-BR", "pt", "As distâncias são em linha reta")]
    [InlineData("", "de, fr;q=0.4", "fr", "Les distances sont à vol d'oiseau")]
    [InlineData("", null, "en", "Distances are straight-line on the ellipsoid")]
    [InlineData("", "zh", "en", "Distances are straight-line on the ellipsoid")]
    public async Task LanguageParameter_ThenAcceptLanguage_ThenEnglish(string language, string? acceptLanguage, string expected, string notice)
    {
        var (response, body) = await GetAsync(Card + language, acceptLanguage);

        Assert.Equal(expected, response.Content.Headers.ContentLanguage.Single());
        Assert.StartsWith(notice, body.GetProperty("notice").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GraphQLValidationMessages_FollowAcceptLanguage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = JsonContent.Create(new { query = "{ nearestServices(near: {lat: 95, lng: -84}) { regionCodes } }" }),
        };
        request.Headers.TryAddWithoutValidation("Accept-Language", "pt");
        var body = await (await Public.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();

        var error = body.GetProperty("errors")[0];
        Assert.Equal("VALIDATION_FAILED", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("deve estar entre -90 e 90.", error.GetProperty("extensions").GetProperty("fields").GetProperty("near.lat")[0].GetString());
    }

    [Fact]
    public async Task LanguageNames_ComeFromCultureData_InTheResponseLanguage()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var id = (await TestData.CreateServiceAsync(Client, TestData.Service(org))).GetProperty("id").GetString();

        var (_, english) = await GetAsync($"/api/services/{id}", null);
        var (_, spanish) = await GetAsync($"/api/services/{id}", "es");

        Assert.Equal("Spanish", english.GetProperty("languages")[0].GetProperty("name").GetString());
        Assert.Equal("español", spanish.GetProperty("languages")[0].GetProperty("name").GetString());
    }

    /// <summary>Languages the culture data has no name for (Costa Rica's indigenous and sign languages) are still named.</summary>
    [Theory]
    [InlineData("bzd", null, "Bribri")]
    [InlineData("cjp", "es", "Cabécar")]
    [InlineData("csr", null, "Costa Rican Sign Language")]
    [InlineData("csr", "es", "lengua de señas costarricense")]
    public async Task LanguageNames_TheCultureDataLacks_AreStillNamed(string code, string? language, string expected)
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var service = TestData.Service(org);
        service["languages"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["code"] = code });
        var id = (await TestData.CreateServiceAsync(Client, service)).GetProperty("id").GetString();

        var (_, body) = await GetAsync($"/api/services/{id}", language);

        Assert.Equal(expected, body.GetProperty("languages")[0].GetProperty("name").GetString());
    }

    /// <summary>Every text has a Spanish, Portuguese and French version with the same placeholders.</summary>
    [Fact]
    public void EveryMessage_IsTranslated_WithTheSamePlaceholders()
    {
        var resources = new ResourceManager("Referral.Api.Resources.Messages", typeof(Referral.Api.Infrastructure.Texts).Assembly);
        var english = resources.GetResourceSet(CultureInfo.InvariantCulture, true, false)!.Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string)e.Value!);
        Assert.True(english.Count >= 15);
        foreach (var language in new[] { "es", "pt", "fr" })
        {
            var translated = resources.GetResourceSet(CultureInfo.GetCultureInfo(language), true, false)!.Cast<System.Collections.DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string)e.Value!);
            foreach (var (key, text) in english)
            {
                Assert.True(translated.TryGetValue(key, out var other) && other.Length > 0 && other != text, $"{key} has no {language} translation");
                Assert.Equal(Placeholders().Matches(text).Select(m => m.Value).Order(), Placeholders().Matches(other).Select(m => m.Value).Order());
            }
        }
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholders();
}
