using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Referral.Api.Tests.Hsds;

/// <summary>
/// Validates responses against the official HSDS 3.1 schemas in <c>Hsds/Schemas</c> (copied to the test output).
/// Schemas are loaded once; format validation (uuid, uri, email, date-time) is on.
/// </summary>
public static class HsdsSchemaValidator
{
    public const string Service = "compiled/service.json";
    public const string ServiceList = "compiled/service_list.json";
    public const string ServiceAtLocation = "compiled/service_at_location.json";
    public const string ServiceAtLocationList = "compiled/service_at_location_list.json";
    public const string Organization = "compiled/organization.json";
    public const string OrganizationList = "compiled/organization_list.json";
    public const string Taxonomy = "taxonomy.json";
    public const string TaxonomyTerm = "taxonomy_term.json";

    /// <summary>The <c>GET /</c> (discovery) response schema of the HSDS OpenAPI document.</summary>
    public const string Discovery = "openapi/discovery";

    private const string PagePrefix = "openapi/page/";

    /// <summary>The page envelope every field of which DESIGN.md promises.</summary>
    public static readonly string[] PageFields = ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"];

    /// <summary>
    /// The schemas have no <c>$id</c>; each gets one under the upstream folder so relative <c>$ref</c>s
    /// (<c>taxonomy.json</c>, <c>metadata.json</c>) resolve to the local copies. Nothing is fetched.
    /// </summary>
    private static readonly Uri BaseUri = new("https://raw.githubusercontent.com/openreferral/specification/3.1-dev/schema/");

    // Loaded with every schema that a $ref may reach, so references always resolve.
    private static readonly string[] Referenced = [Taxonomy, "metadata.json"];

    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema>> Schemas = new(StringComparer.Ordinal);
    private static readonly Lazy<JsonObject> OpenApi = new(() => (JsonObject)JsonNode.Parse(ReadSchemaText("openapi.json"))!);
    private static readonly Lock Gate = new();

    /// <summary>The schema errors of <paramref name="instance"/> against <paramref name="schemaName"/>; empty when it conforms.</summary>
    public static IReadOnlyList<string> Validate(JsonElement instance, string schemaName)
    {
        var schema = Get(schemaName);
        EvaluationResults results;
        lock (Gate)
        {
            var options = new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true };
            foreach (var name in Referenced.Append(schemaName).Append(ItemSchemaOf(schemaName)).OfType<string>())
            {
                options.SchemaRegistry.Register(Get(name));
            }
            results = schema.Evaluate(instance, options);
        }
        if (results.IsValid)
        {
            return [];
        }
        var errors = new List<string>();
        foreach (var node in results.Details.Prepend(results).Where(n => n.HasErrors))
        {
            var location = node.InstanceLocation.ToString();
            foreach (var (keyword, message) in node.Errors!)
            {
                errors.Add($"{(location.Length == 0 ? "/" : location)}: {message} [{keyword} at #{node.EvaluationPath}]\n      value: {Snippet(instance, location)}");
            }
        }
        if (errors.Count == 0)
        {
            errors.Add($"/: invalid against {schemaName}, without a reported error (evaluation path {results.EvaluationPath}).");
        }
        return errors;
    }

    /// <summary>
    /// A page envelope (the OpenAPI <c>Page</c> schema, with every field required) whose <c>contents</c> items must
    /// match <paramref name="itemSchemaName"/>, as the HSDS OpenAPI composes its list responses.
    /// </summary>
    public static IReadOnlyList<string> ValidatePage(JsonElement page, string itemSchemaName) =>
        Validate(page, PagePrefix + itemSchemaName);

    /// <summary>JSON pointers of every <c>null</c> in <paramref name="element"/> (HSDS forbids null).</summary>
    public static IReadOnlyList<string> FindNulls(JsonElement element)
    {
        var found = new List<string>();
        Walk(element, "");
        return found;

        void Walk(JsonElement e, string pointer)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Null:
                    found.Add(pointer.Length == 0 ? "/" : pointer);
                    break;
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        Walk(p.Value, pointer + "/" + p.Name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
                    }
                    break;
                case JsonValueKind.Array:
                    var i = 0;
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk(item, $"{pointer}/{i++}");
                    }
                    break;
                default:
                    break;
            }
        }
    }

    private static JsonSchema Get(string name) =>
        Schemas.GetOrAdd(name, n => new Lazy<JsonSchema>(() => Load(n), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static JsonSchema Load(string name)
    {
        JsonObject node;
        if (name == Discovery)
        {
            node = Discovery200Schema();
        }
        else if (ItemSchemaOf(name) is { } itemSchemaName)
        {
            node = PageSchema(itemSchemaName);
        }
        else
        {
            node = (JsonObject)JsonNode.Parse(ReadSchemaText(name))!;
        }
        node["$id"] ??= new Uri(BaseUri, name).ToString();
        return JsonSchema.FromText(node.ToJsonString());
    }

    private static string? ItemSchemaOf(string name) =>
        name.StartsWith(PagePrefix, StringComparison.Ordinal) ? name[PagePrefix.Length..] : null;

    /// <summary>
    /// <c>paths./.get.responses.200</c> of the HSDS OpenAPI document. It requires nothing, but the HSDS API reference
    /// says the discovery document carries <c>version</c>, <c>profile</c> and <c>openapi_url</c>, so those are required here.
    /// </summary>
    private static JsonObject Discovery200Schema()
    {
        var schema = OpenApi.Value["paths"]!["/"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.DeepClone().AsObject();
        schema["required"] = new JsonArray("version", "profile", "openapi_url");
        return schema;
    }

    /// <summary>
    /// <c>components.schemas.Page</c> of the HSDS OpenAPI document, composed like its list responses
    /// (<c>allOf: [Page]</c> plus <c>contents</c> items of the list schema). Every envelope field is required (DESIGN.md).
    /// </summary>
    private static JsonObject PageSchema(string itemSchemaName) => new()
    {
        ["allOf"] = new JsonArray(OpenApi.Value["components"]!["schemas"]!["Page"]!.DeepClone()),
        ["required"] = new JsonArray([.. PageFields.Select(f => (JsonNode)f)]),
        ["properties"] = new JsonObject
        {
            ["contents"] = new JsonObject
            {
                ["type"] = "array",
                ["items"] = new JsonObject { ["$ref"] = new Uri(BaseUri, itemSchemaName).ToString() },
            },
        },
    };

    private static string ReadSchemaText(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Hsds", "Schemas", name.Replace('/', Path.DirectorySeparatorChar));
        if (File.Exists(path))
        {
            return File.ReadAllText(path, Encoding.UTF8);
        }
        if (File.Exists(path + ".gz"))
        {
            using var gzip = new GZipStream(File.OpenRead(path + ".gz"), CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        throw new FileNotFoundException($"HSDS schema {name} is not in the test output (Hsds/Schemas is copied there by the csproj).", path);
    }

    /// <summary>The instance value at <paramref name="pointer"/>, clipped for a failure message.</summary>
    private static string Snippet(JsonElement root, string pointer)
    {
        var current = root;
        foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segment, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index < current.GetArrayLength())
            {
                current = current[index];
            }
            else
            {
                return "(not found)";
            }
        }
        var text = JsonSerializer.Serialize(current);
        return text.Length <= 400 ? text : text[..400] + " …";
    }
}
