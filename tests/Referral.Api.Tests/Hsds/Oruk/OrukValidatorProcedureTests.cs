using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Json.Schema;
using Referral.Api.Tests.Features.Exports;
using Referral.Api.Tests.Features.Imports;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Hsds.Oruk;

/// <summary>
/// The procedure of the Open Referral UK validator (OpenReferralUK/oruk-validator), run against our API: the discovery
/// document <c>GET /api</c>; for each list endpoint its first, middle and last page; for each detail endpoint up to ten
/// ids picked at random (fixed seed) from those pages. Every response is validated against the official HSDS 3.1 schemas
/// (compiled, format checks on) and, where they apply, the ORUK 3.0 schemas in this folder; no response may hold a
/// schema error or a null. Where the ORUK files do not fit the API they describe, the test says how it applies them.
/// </summary>
public sealed class OrukValidatorProcedureTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const int PerPage = 3;
    private const int DetailSample = 10;

    private sealed record Endpoint(string List, string? HsdsItem, string? HsdsDetail, string? OrukList, string? OrukItem, string? OrukDetail);

    /// <summary>
    /// ORUK's <c>organization_list.json</c> is an item schema (its OpenAPI file points the whole page at it, which no page
    /// can satisfy), so it is applied to each item; the other ORUK list schemas describe the page.
    /// </summary>
    private static readonly Endpoint[] Endpoints =
    [
        new("/api/services", HsdsSchemaValidator.ServiceList, HsdsSchemaValidator.Service, "service_list.json", null, "service.json"),
        new("/api/service_at_locations", HsdsSchemaValidator.ServiceAtLocationList, HsdsSchemaValidator.ServiceAtLocation, "service_at_location_list.json", null, "service_at_location.json"),
        new("/api/organizations", HsdsSchemaValidator.OrganizationList, HsdsSchemaValidator.Organization, null, "organization_list.json", "organization.json"),
        new("/api/taxonomies", HsdsSchemaValidator.Taxonomy, HsdsSchemaValidator.Taxonomy, "taxonomy_list.json", null, "taxonomy.json"),
        new("/api/taxonomy_terms", HsdsSchemaValidator.TaxonomyTerm, HsdsSchemaValidator.TaxonomyTerm, "taxonomy_term_list.json", null, "taxonomy_term.json"),
    ];

    [Fact]
    public async Task ValidatorProcedure_EveryResponse_HasZeroSchemaErrors()
    {
        await RichDirectory.ArrangeAsync(Factory, Client);
        var csv = new StringBuilder("id,name,category,latitude,longitude,city,country,organization\n");
        for (var i = 0; i < 20; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"V{i:00},Servicio {i:00},police,{9.9 + i * 0.01},{-84.1 + i * 0.01},San José,CR,Red {i % 4}\n");
        }
        Assert.Equal(System.Net.HttpStatusCode.OK, (await ImportApi.PostAsync(Client, csv.ToString(), "text/csv", "source=oruk")).Status);
        await Factory.WithDbAsync(async db =>
        {
            // Enough taxonomies for three pages too.
            db.Taxonomies.AddRange(Enumerable.Range(1, 7).Select(i => new Referral.Api.Features.Taxonomy.Taxonomy
            {
                Id = Guid.NewGuid(),
                Name = $"taxonomy-{i}",
                Description = $"Test taxonomy {i}.",
                Terms = [new Referral.Api.Features.Taxonomy.TaxonomyTerm { Id = Guid.NewGuid(), Code = $"t{i}", Name = $"Term {i}", Description = "" }],
            }));
            await db.SaveChangesAsync();
        });
        var failures = new List<string>();
        var checkedResponses = 0;
        var random = new Random(20260130);

        var discovery = await Public.GetFromJsonAsync<JsonElement>("/api");
        Check("/api", discovery, HsdsSchemaValidator.Validate(discovery, HsdsSchemaValidator.Discovery), OrukSchemas.Validate(discovery, "api_details.json"));

        foreach (var endpoint in Endpoints)
        {
            var ids = new List<string>();
            var first = await Public.GetFromJsonAsync<JsonElement>($"{endpoint.List}?page=1&per_page={PerPage}");
            var totalPages = first.GetProperty("total_pages").GetInt32();
            Assert.True(totalPages >= 3, $"{endpoint.List} should span at least three pages to test the procedure (has {totalPages}).");
            foreach (var page in new[] { 1, (totalPages + 1) / 2, totalPages }.Distinct())
            {
                var url = $"{endpoint.List}?page={page}&per_page={PerPage}";
                var body = page == 1 ? first : await Public.GetFromJsonAsync<JsonElement>(url);
                var items = body.GetProperty("contents").EnumerateArray().ToList();
                Assert.NotEmpty(items);
                ids.AddRange(items.Select(i => i.GetProperty("id").GetString()!));
                var oruk = endpoint.OrukList is { } list
                    ? OrukSchemas.Validate(body, list)
                    : [.. items.SelectMany((item, i) => OrukSchemas.Validate(item, endpoint.OrukItem!).Select(e => $"/contents/{i}{e}"))];
                Check(url, body, HsdsSchemaValidator.ValidatePage(body, endpoint.HsdsItem!), oruk);
            }
            foreach (var id in ids.Distinct().OrderBy(_ => random.Next()).Take(DetailSample))
            {
                var url = $"{endpoint.List}/{id}";
                var body = await Public.GetFromJsonAsync<JsonElement>(url);
                Check(url, body, HsdsSchemaValidator.Validate(body, endpoint.HsdsDetail!), OrukSchemas.Validate(body, endpoint.OrukDetail!));
            }
        }

        // Not vacuous: the same schemas do reject a service without its required fields.
        Assert.NotEmpty(OrukSchemas.Validate(JsonDocument.Parse("{\"id\": \"not-a-uuid\"}").RootElement, "service.json"));
        Assert.True(failures.Count == 0, $"{failures.Count} schema error(s) in {checkedResponses} responses:\n{string.Join("\n", failures.Take(60))}");
        Assert.True(checkedResponses >= 1 + (Endpoints.Length * 3) + 30, $"only {checkedResponses} responses were checked");

        void Check(string url, JsonElement body, IReadOnlyList<string> hsds, IReadOnlyList<string> oruk)
        {
            checkedResponses++;
            failures.AddRange(hsds.Select(e => $"GET {url} (HSDS 3.1): {e}"));
            failures.AddRange(oruk.Select(e => $"GET {url} (ORUK 3.0): {e}"));
            failures.AddRange(HsdsSchemaValidator.FindNulls(body).Select(p => $"GET {url}: null at {p}"));
        }
    }

    /// <summary>The ORUK 3.0 schemas of this folder (self-contained: no references between them), with format checks.</summary>
    private static class OrukSchemas
    {
        private static readonly ConcurrentDictionary<string, JsonSchema> Loaded = new(StringComparer.Ordinal);
        private static readonly Lock Gate = new();

        public static IReadOnlyList<string> Validate(JsonElement instance, string name)
        {
            var schema = Loaded.GetOrAdd(name, n =>
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(ImportApiFolder(), n)))!.AsObject();
                node["$id"] = "https://referral.test/oruk-3.0/" + n;
                return JsonSchema.FromText(node.ToJsonString());
            });
            EvaluationResults results;
            lock (Gate)
            {
                results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
            }
            if (results.IsValid)
            {
                return [];
            }
            return [.. results.Details.Prepend(results).Where(d => d.HasErrors)
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value} [{e.Key} at #{d.EvaluationPath}]"))];
        }

        private static string ImportApiFolder([System.Runtime.CompilerServices.CallerFilePath] string here = "") => Path.GetDirectoryName(here)!;
    }
}
