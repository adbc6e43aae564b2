using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Contracts;

/// <summary>
/// Real responses against the OpenAPI document's own schemas: what the document calls required is sent, nothing is sent
/// that it does not declare (additionalProperties false), and every value is in its enum.
/// </summary>
public sealed class OpenApiResponseTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task RealResponses_ConformToTheDocument()
    {
        var organizationId = await TestData.CreateOrganizationAsync(Client);
        var service = await TestData.CreateServiceAsync(Client, TestData.Service(organizationId, "Contract police", category: "police"));
        await TestData.CreateServiceAsync(Client, TestData.Service(organizationId, "Contract shelter", 9.94, -84.09, category: "shelter", visibility: "approximate"));
        var serviceId = service.GetProperty("id").GetGuid();
        var document = JsonNode.Parse(await Public.GetStringAsync("/swagger/v1/swagger.json"))!;

        (string Url, string Schema, HttpStatusCode Status)[] cases =
        [
            ("/api/services", "ServiceDocumentPage", HttpStatusCode.OK),
            ($"/api/services/{serviceId}", "ServiceDocument", HttpStatusCode.OK),
            ("/api/organizations", "OrganizationDocumentPage", HttpStatusCode.OK),
            ("/api/service_at_locations?lat=9.93&lng=-84.08", "ServiceAtLocationDocumentPage", HttpStatusCode.OK),
            ("/api/nearest?lat=9.93&lng=-84.08", "NearestResponse", HttpStatusCode.OK),
            ("/api/referral?lat=9.93&lng=-84.08&age=13&language=es", "ReferralCardResponse", HttpStatusCode.OK),
            ("/api/taxonomy_terms", "TaxonomyTermDocumentPage", HttpStatusCode.OK),
            ($"/api/services/{Guid.NewGuid()}", "ProblemDetails", HttpStatusCode.NotFound),
            ("/api/nearest?lat=95&lng=-84.08", "HttpValidationProblemDetails", HttpStatusCode.BadRequest),
        ];
        var failures = new List<string>();
        foreach (var (url, schema, status) in cases)
        {
            var response = await Public.GetAsync(url);
            Assert.Equal(status, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            failures.AddRange(Validate(document, schema, body).Select(e => $"{url} ({schema}): {e}"));
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(30)));
    }

    /// <summary>The errors of <paramref name="instance"/> against components/schemas/<paramref name="name"/> of the OpenAPI 3.0 document.</summary>
    internal static IReadOnlyList<string> Validate(JsonNode openApi, string name, JsonElement instance)
    {
        var defs = JsonNode.Parse(openApi["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!;
        foreach (var node in Walk(defs))
        {
            // OpenAPI 3.0's nullable is JSON Schema's type: [t, "null"].
            if (node is JsonObject o && o["nullable"]?.GetValue<bool>() == true && o["type"] is JsonValue t)
            {
                o["type"] = new JsonArray(t.GetValue<string>(), "null");
            }
        }
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = $"https://referral.test/openapi/{name}",
            ["$defs"] = defs,
            ["$ref"] = $"#/$defs/{name}",
        };
        var schema = JsonSchema.FromText(root.ToJsonString());
        var results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }
        return [.. results.Details.Prepend(results).Where(n => n.HasErrors)
            .SelectMany(n => n.Errors!.Select(e => $"{n.InstanceLocation}: {e.Value} [{e.Key} at {n.EvaluationPath}]"))];
    }

    private static IEnumerable<JsonNode> Walk(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>().ToList())
        {
            foreach (var n in Walk(child))
            {
                yield return n;
            }
        }
    }
}
