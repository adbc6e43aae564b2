using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Contracts;

/// <summary>
/// The OpenAPI document as an integrator meets it: Redocly's recommended lint, a TypeScript client generated with
/// openapi-typescript and a strict consumer of it, and the promises the document makes (security, errors, enums).
/// </summary>
public sealed class OpenApiContractTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private async Task<string> DocumentAsync() => await Public.GetStringAsync("/swagger/v1/swagger.json");

    [Fact]
    public async Task RedoclyRecommendedLint_ReportsNoErrors()
    {
        using var dir = new NodeTools.TempFolder();
        await File.WriteAllTextAsync(dir.File("openapi.json"), await DocumentAsync());

        var (_, output) = await NodeTools.RunAsync("redocly", dir.Path, "lint", "openapi.json", "--format=json", "--extends=recommended");

        var json = output[output.IndexOf('{', StringComparison.Ordinal)..];
        json = json[..(json.LastIndexOf('}') + 1)];
        var report = JsonDocument.Parse(json).RootElement;
        var errors = report.GetProperty("problems").EnumerateArray()
            .Where(p => p.GetProperty("severity").GetString() == "error")
            .Select(p => $"{p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()}")
            .ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} Redocly errors:\n{string.Join('\n', errors.Distinct().Take(20))}");
        Assert.Equal(0, report.GetProperty("totals").GetProperty("errors").GetInt32());
    }

    /// <summary>
    /// A helpline app's code against the generated client: reads total_items, a nearest result's first phone number and an
    /// error's code without casts, and is refused (ts-expect-error) when it forgets lat or sends a category that does not exist.
    /// </summary>
    [Fact]
    public async Task GeneratedTypeScriptClient_TypeChecksAStrictConsumer()
    {
        using var dir = new NodeTools.TempFolder();
        await File.WriteAllTextAsync(dir.File("openapi.json"), await DocumentAsync());
        var (generated, generateOutput) = await NodeTools.RunAsync("openapi-typescript", dir.Path, "openapi.json", "-o", "api.ts");
        Assert.True(generated == 0, generateOutput);
        await File.WriteAllTextAsync(dir.File("consumer.ts"), """
            import type { components, paths } from "./api";

            type ServicesPage = paths["/api/services"]["get"]["responses"][200]["content"]["application/json"];
            type Nearest = paths["/api/nearest"]["get"]["responses"][200]["content"]["application/json"];
            type NearestQuery = paths["/api/nearest"]["get"]["parameters"]["query"];
            type NearestError = paths["/api/nearest"]["get"]["responses"][400]["content"]["application/problem+json"];
            type Problem = components["schemas"]["ProblemDetails"];

            export function totalItems(page: ServicesPage): number {
              return page.total_items;
            }

            export function firstPhone(answer: Nearest): string {
              return answer.results[0].phones[0].number;
            }

            export function firstCategory(answer: Nearest): string {
              return answer.results[0].service.categories[0];
            }

            export function errorCode(problem: Problem | NearestError): string {
              return problem.code;
            }

            export function fieldErrors(problem: NearestError): Record<string, string[]> {
              return problem.errors;
            }

            export const query: NearestQuery = { lat: 9.93, lng: -84.08, category: ["police", "shelter"], gender: "female" };

            // @ts-expect-error lat is required
            export const withoutLat: NearestQuery = { lng: -84.08 };

            // @ts-expect-error not a referral category
            export const unknownCategory: NearestQuery = { lat: 9.93, lng: -84.08, category: ["shelterz"] };
            """);
        await File.WriteAllTextAsync(dir.File("tsconfig.json"), """
            { "compilerOptions": { "strict": true, "noEmit": true, "target": "es2022", "module": "esnext",
              "moduleResolution": "bundler", "skipLibCheck": false, "types": [] }, "files": ["consumer.ts"] }
            """);

        var (checkedOk, tscOutput) = await NodeTools.RunAsync("tsc", dir.Path, "-p", "tsconfig.json");

        Assert.True(checkedOk == 0, "tsc:\n" + tscOutput);
    }

    [Fact]
    public async Task Document_DeclaresSecurityErrorsAndHeaders()
    {
        var doc = JsonDocument.Parse(await DocumentAsync()).RootElement;
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());

        var paths = doc.GetProperty("paths");
        var create = paths.GetProperty("/api/services").GetProperty("post");
        var security = create.GetProperty("security").EnumerateArray().ToList();
        Assert.Equal(2, security.Count);
        Assert.All(security, s => Assert.Single(s.EnumerateObject()));
        foreach (var status in new[] { "400", "401", "403", "409", "429", "503" })
        {
            var response = create.GetProperty("responses").GetProperty(status);
            Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out _), status);
        }
        Assert.True(create.GetProperty("responses").GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));

        // Public reads: a key is optional ({} among the alternatives).
        var nearest = paths.GetProperty("/api/nearest").GetProperty("get");
        Assert.Contains(nearest.GetProperty("security").EnumerateArray(), s => !s.EnumerateObject().Any());
        var lat = nearest.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "lat");
        Assert.True(lat.GetProperty("required").GetBoolean());
        Assert.True(lat.TryGetProperty("example", out _));

        var replace = paths.GetProperty("/api/services/{id}").GetProperty("put");
        Assert.Contains(replace.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match" && p.GetProperty("in").GetString() == "header");
        Assert.True(replace.GetProperty("responses").TryGetProperty("412", out _));
        var get = paths.GetProperty("/api/services/{id}").GetProperty("get");
        Assert.True(get.GetProperty("responses").GetProperty("200").GetProperty("headers").TryGetProperty("ETag", out _));
        Assert.True(get.GetProperty("responses").TryGetProperty("404", out _));

        var problem = doc.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails");
        var required = problem.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Contains("code", required);
        Assert.Contains("trace_id", required);
    }

    [Fact]
    public async Task Document_TypesListsAndExportsAndUsesEnumsFromCode()
    {
        var text = await DocumentAsync();
        var doc = JsonDocument.Parse(text).RootElement;
        var paths = doc.GetProperty("paths");
        foreach (var list in new[] { "/api/services", "/api/organizations", "/api/service_at_locations" })
        {
            var ok = paths.GetProperty(list).GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
            Assert.EndsWith("Page", ok.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
            Assert.True(ok.TryGetProperty("application/x-ndjson", out _), list);
        }
        var export = paths.GetProperty("/api/exports/{format}").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal("#/components/schemas/GeoJsonFeatureCollection", export.GetProperty("application/geo+json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("binary", export.GetProperty("application/zip").GetProperty("schema").GetProperty("format").GetString());
        var points = paths.GetProperty("/api/gap_analyses/{id}/points.geojson").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal("#/components/schemas/GeoJsonFeatureCollection", points.GetProperty("application/geo+json").GetProperty("schema").GetProperty("$ref").GetString());

        // No property may be null (the API omits nulls); what is always sent is required.
        var schemas = doc.GetProperty("components").GetProperty("schemas");
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(text, "\"nullable\"")); // a GeoJSON feature's geometry
        var service = schemas.GetProperty("ServiceDocument");
        Assert.Superset(new HashSet<string?> { "id", "name", "status" }, service.GetProperty("required").EnumerateArray().Select(r => r.GetString()).ToHashSet());

        string[] Enum(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];
        var props = service.GetProperty("properties");
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.ServiceStatuses, Enum(props.GetProperty("status")));
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.Categories, Enum(props.GetProperty("categories").GetProperty("items")));
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.Genders, Enum(props.GetProperty("genders").GetProperty("items")));
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.DeliveryModes, Enum(props.GetProperty("delivery_modes").GetProperty("items")));
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.Audiences, Enum(props.GetProperty("audience").GetProperty("items")));
        Assert.Equal(["verified", "stale", "unverified"], Enum(props.GetProperty("verification_status")));
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.Visibilities, Enum(schemas.GetProperty("LocationDocument").GetProperty("properties").GetProperty("visibility")));
        var exportFormat = paths.GetProperty("/api/exports/{format}").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "format");
        Assert.Contains("hsds-csv", Enum(exportFormat.GetProperty("schema")));
        var mode = paths.GetProperty("/api/nearest").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "mode");
        Assert.Equal(Referral.Api.Infrastructure.Vocabulary.DeliveryModes, Enum(mode.GetProperty("schema")));
    }

    [Fact]
    public void CategoryVocabulary_IsTheSeedTaxonomy()
    {
        var seed = JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferralApiFactory.SeedFolder(), "taxonomy.json"))).RootElement;
        var codes = seed.GetProperty("taxonomies")[0].GetProperty("terms").EnumerateArray().Select(t => t.GetProperty("code").GetString()!).ToArray();
        Assert.Equal(codes, Referral.Api.Infrastructure.Vocabulary.Categories);
        Assert.Equal(TestData.Categories, Referral.Api.Infrastructure.Vocabulary.Categories);
    }
}
