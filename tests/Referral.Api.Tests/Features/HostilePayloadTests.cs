using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Referral.Api.Infrastructure;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features;

/// <summary>
/// Sends malformed and hostile bodies to every write route the app maps (found through its own endpoint list, so a new
/// write endpoint is covered automatically). Every answer must be a 4xx with a stable code (a ProblemDetails <c>code</c>;
/// on GraphQL-over-HTTP, <c>errors[0].extensions.code</c>), and the database must be exactly as it was: no payload here is valid.
/// </summary>
public sealed class HostilePayloadTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Json = "application/json";
    private const string Marker = "__hostile__";

    // No request may take longer than this; quadratic parsing or regex backtracking on a hostile body shows up here.
    private static readonly TimeSpan MaxRequestTime = TimeSpan.FromSeconds(15);

    private static readonly string[] WriteMethods = ["POST", "PUT", "PATCH", "DELETE"];

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Fact]
    public void WriteRoutes_FromEndpointDataSource_IncludeEveryKnownWrite()
    {
        var routes = WriteRoutes().Select(r => $"{r.Method} {r.Pattern.RawText}").ToList();

        Assert.Contains("POST /api/services/", routes);
        Assert.Contains("PUT /api/services/{id:guid}", routes);
        Assert.Contains("DELETE /api/services/{id:guid}", routes);
        Assert.Contains("POST /api/organizations/", routes);
        Assert.Contains("PUT /api/organizations/{id:guid}", routes);
        Assert.Contains("DELETE /api/organizations/{id:guid}", routes);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Write_HostilePayload_Returns4xxProblemAndLeavesDatabaseUnchanged(string name)
    {
        var arranged = await ArrangeAsync();
        var bodies = Cases[name](arranged).ToList();
        var before = await DatabaseSnapshot.TakeAsync(Factory);

        var failures = new List<string>();
        foreach (var target in Targets(arranged))
        {
            foreach (var body in bodies)
            {
                if (await SendAsync(target, body) is { } failure)
                {
                    failures.Add($"[{body.Label}] {target.Method} {target.Url}: {failure}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} bad answer(s):\n{string.Join("\n", failures.Take(40))}");
        Assert.NotEmpty(bodies);
        var after = await DatabaseSnapshot.TakeAsync(Factory);
        Assert.Equal(before, after);
    }

    private sealed record Arranged(Guid OrganizationId, Guid ServiceId, IReadOnlyList<string> TopLevelFields);

    private sealed record WriteRoute(string Method, RoutePattern Pattern, bool DeclaresBody, Type? RequestType);

    private sealed record Target(string Method, string Url, bool StaleIfMatch);

    private sealed record Body(string Label, byte[] Bytes, string? ContentType = Json, bool Chunked = false, string? ContentEncoding = null);

    private async Task<Arranged> ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, "Existing organization");
        var service = await TestData.CreateServiceAsync(Client, TestData.Service(org, "Existing service"));
        // The JSON names of every request document's properties, as the app reads them.
        var fields = WriteRoutes()
            .Select(r => r.RequestType).OfType<Type>().Distinct()
            .SelectMany(t => JsonSetup.Options.GetTypeInfo(t).Properties.Select(p => p.Name))
            .Distinct().Order(StringComparer.Ordinal);
        return new Arranged(org, service.GetProperty("id").GetGuid(), [.. fields]);
    }

    private List<WriteRoute> WriteRoutes() =>
    [
        .. Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(m => WriteMethods.Contains(m, StringComparer.OrdinalIgnoreCase))
                .Select(m => new WriteRoute(m, e.RoutePattern, e.Metadata.GetMetadata<IAcceptsMetadata>() is not null,
                    e.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType))),
    ];

    /// <summary>
    /// Route parameters get each arranged id (so both "exists" and "exists, but as another kind of record") and a random one.
    /// A route that declares no body (DELETE) cannot be made invalid by its payload, so on those the request carries a
    /// stale If-Match: it must fail its precondition rather than delete the arranged data.
    /// </summary>
    private List<Target> Targets(Arranged a)
    {
        var targets = new List<Target>();
        foreach (var route in WriteRoutes())
        {
            Guid?[] ids = route.Pattern.Parameters.Count == 0 ? [null] : [a.OrganizationId, a.ServiceId, Guid.NewGuid()];
            targets.AddRange(ids.Select(id => new Target(route.Method, Url(route.Pattern, id), !route.DeclaresBody)));
        }
        return targets;
    }

    private static string Url(RoutePattern pattern, Guid? id) => "/" + string.Join("/", pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternSeparatorPart separator => separator.Content,
        RoutePatternParameterPart => id?.ToString() ?? "",
        _ => "",
    }))));

    /// <summary>Sends one hostile request; returns why the answer is wrong, or null when it is a proper 4xx problem.</summary>
    private async Task<string?> SendAsync(Target target, Body body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(target.Method), target.Url) { Content = Content(body) };
        if (target.StaleIfMatch)
        {
            request.Headers.TryAddWithoutValidation("If-Match", "W/\"0\"");
        }
        using var timeout = new CancellationTokenSource(MaxRequestTime);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await Client.SendAsync(request, timeout.Token);
            text = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return $"no answer within {MaxRequestTime.TotalSeconds} s";
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var snippet = text.Length > 300 ? text[..300] + "…" : text;
            if (status is < 400 or >= 500)
            {
                return $"status {status}: {snippet}";
            }
            try
            {
                var code = response.Content.Headers.ContentType?.MediaType switch
                {
                    "application/problem+json" => ProblemCode(JsonDocument.Parse(text).RootElement, status),
                    // GraphQL-over-HTTP answers with its own shape; the stable code is in errors[].extensions.code.
                    "application/graphql-response+json" => JsonDocument.Parse(text).RootElement.GetProperty("errors")[0]
                        .GetProperty("extensions").GetProperty("code").GetString(),
                    var other => throw new InvalidOperationException($"not a problem body but {other ?? "no content type"}"),
                };
                return code is { Length: > 0 } ? null : $"status {status} without a code: {snippet}";
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
            {
                return $"status {status} with an unreadable problem ({ex.Message}): {snippet}";
            }
        }
    }

    private static string? ProblemCode(JsonElement problem, int status) =>
        problem.GetProperty("status").GetInt32() == status ? problem.GetProperty("code").GetString() : null;

    private static HttpContent Content(Body body)
    {
        HttpContent content = body.Chunked ? new UnsizedContent(body.Bytes) : new ByteArrayContent(body.Bytes);
        if (body.ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
        }
        if (body.ContentEncoding is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Encoding", body.ContentEncoding);
        }
        return content;
    }

    /// <summary>A body sent without Content-Length, so the limit is enforced while reading rather than from the header.</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static Body Raw(string label, string json, string? contentType = Json) => new(label, Encoding.UTF8.GetBytes(json), contentType);

    private static Body Bytes(string label, params byte[][] parts) => new(label, [.. parts.SelectMany(p => p)]);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>
    /// A valid service document with an invalid organization field (<c>website</c>, which services ignore), so the
    /// organization routes reject it too; <paramref name="change"/> must make it invalid as a service.
    /// </summary>
    private static JsonObject Probe(Arranged a, Action<JsonObject>? change = null)
    {
        var doc = TestData.Service(a.OrganizationId, "Hostile probe");
        doc["website"] = "javascript:alert(1)";
        change?.Invoke(doc);
        return doc;
    }

    private static Body Deep(string label, Arranged a, Action<JsonObject> change) => Raw(label, Probe(a, change).ToJsonString());

    /// <summary>A probe where <paramref name="place"/> puts <see cref="Marker"/> somewhere, replaced by raw JSON text.</summary>
    private static Body DeepRaw(string label, Arranged a, Action<JsonObject> place, string rawJson) =>
        Raw(label, Probe(a, place).ToJsonString().Replace($"\"{Marker}\"", rawJson, StringComparison.Ordinal));

    /// <summary>Like <see cref="DeepRaw"/>, with raw bytes (which need not be UTF-8) in place of the marker.</summary>
    private static Body DeepBytes(string label, Arranged a, Action<JsonObject> place, byte[] raw)
    {
        var parts = Probe(a, place).ToJsonString().Split($"\"{Marker}\"");
        return Bytes(label, Utf8(parts[0]), raw, Utf8(parts[1]));
    }

    private static JsonObject Location(JsonObject doc) => doc["service_at_locations"]![0]!["location"]!.AsObject();

    private static JsonArray Array(int count, Func<int, JsonNode?> item) => [.. Enumerable.Range(0, count).Select(item)];

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();

    private static JsonObject Area(JsonNode? extent) => new() { ["name"] = "Area", ["extent"] = extent };

    private static Body Extent(string label, Arranged a, string rawExtent) =>
        DeepRaw(label, a, d => d["service_areas"] = new JsonArray(Area(Marker)), rawExtent);

    private const string Square = "[[0,0],[1,0],[1,1],[0,1],[0,0]]";

    private static readonly Dictionary<string, Func<Arranged, IEnumerable<Body>>> Cases = new()
    {
        ["broken JSON syntax"] = _ =>
        [
            Raw("truncated", "{\"name\": \"x\", \"organization_id\": \""),
            Raw("truncated after comma", "{\"name\": \"x\","),
            Raw("missing colon", "{\"name\" \"x\"}"),
            Raw("unquoted key", "{name: \"x\"}"),
            Raw("single quotes", "{'name': 'x'}"),
            Raw("trailing comma", "{\"name\": \"x\",}"),
            Raw("comment", "{\"name\": \"x\" /* hi */}"),
            Raw("NaN literal", "{\"name\": \"x\", \"minimum_age\": NaN}"),
            Raw("Infinity literal", "{\"name\": \"x\", \"minimum_age\": Infinity}"),
            Raw("hex number", "{\"name\": \"x\", \"minimum_age\": 0x10}"),
            Raw("leading zero", "{\"name\": \"x\", \"minimum_age\": 010}"),
            Raw("unterminated string", "{\"name\": \"x}"),
            Raw("invalid escape", "{\"name\": \"\\x41\"}"),
            Raw("short unicode escape", "{\"name\": \"\\u12\"}"),
            Raw("raw tab in string", "{\"name\": \"a\tb\"}"),
            Raw("reversed braces", "}{"),
        ],
        ["trailing garbage"] = _ =>
        [
            Raw("text after object", "{\"name\": \"x\"} garbage"),
            Raw("two objects", "{\"name\": \"x\"} {\"name\": \"y\"}"),
            Raw("extra brace", "{\"name\": \"x\"}}"),
            Bytes("NUL after object", Utf8("{\"name\": \"x\"}"), [0]),
        ],
        ["non-object roots"] = _ =>
        [
            Raw("empty array", "[]"),
            Raw("array of documents", "[{\"name\": \"x\"}]"),
            Raw("string", "\"x\""),
            Raw("number", "42"),
            Raw("true", "true"),
            Raw("null", "null"),
        ],
        ["empty and blank bodies"] = _ =>
        [
            Raw("empty", ""),
            Raw("spaces", "   "),
            Raw("newlines", "\n\r\n\t"),
        ],
        ["deep nesting"] = a =>
        [
            Raw("10,000 nested arrays", Repeat("[", 10_000) + Repeat("]", 10_000)),
            Raw("10,000 nested arrays in a field", "{\"name\": " + Repeat("[", 10_000) + Repeat("]", 10_000) + "}"),
            Raw("10,000 nested objects", Repeat("{\"a\":", 10_000) + "1" + Repeat("}", 10_000)),
            Extent("10,000 nested arrays in an extent", a, Repeat("[", 10_000) + Repeat("]", 10_000)),
            Extent("nested arrays in an extent string", a, "\"{\\\"type\\\":\\\"Polygon\\\",\\\"coordinates\\\":" + Repeat("[", 5_000) + Repeat("]", 5_000) + "}\""),
            DeepRaw("service nested in service 50 deep", a, d => d["service_at_locations"]![0]!["service"] = Marker,
                Repeat("{\"service_at_locations\":[{\"service\":", 50) + "{}" + Repeat("}]}", 50)),
        ],
        ["huge strings"] = a =>
        [
            Raw("3 MiB name", "{\"name\": \"" + new string('A', 3 * 1024 * 1024) + "\"}"),
            Deep("1 MiB description", a, d => d["description"] = new string('d', 1024 * 1024)),
            Deep("301-character name", a, d => d["name"] = new string('n', 301)),
            Deep("100,000-digit phone", a, d => d["phones"]![0]!["number"] = new string('1', 100_000)),
            Deep("100,000-character time zone", a, d => d["schedules"]![0]!["time_zone"] = new string('z', 100_000)),
            Deep("100,000-character category", a, d => d["categories"] = new JsonArray(new string('c', 100_000))),
            Raw("2 MiB key", "{\"" + new string('k', 2 * 1024 * 1024) + "\": 1}"),
        ],
        ["out-of-range numbers"] = a =>
        [
            Deep("minimum_age 1e400", a, d => d["minimum_age"] = JsonNode.Parse("1e400")),
            Deep("maximum_age beyond long", a, d => d["maximum_age"] = JsonNode.Parse("99999999999999999999")),
            Deep("minimum_age 2^31", a, d => d["minimum_age"] = 2147483648L),
            Deep("maximum_age -2^31-1", a, d => d["maximum_age"] = -2147483649L),
            Deep("minimum_age fraction", a, d => d["minimum_age"] = 1.5),
            Deep("latitude 1e400", a, d => Location(d)["latitude"] = JsonNode.Parse("1e400")),
            Deep("longitude -1e400", a, d => Location(d)["longitude"] = JsonNode.Parse("-1e400")),
            Deep("latitude 1e308", a, d => Location(d)["latitude"] = 1e308),
            Deep("longitude -1e308", a, d => Location(d)["longitude"] = -1e308),
            Deep("latitude 5e-324 with longitude 1e308", a, d => { Location(d)["latitude"] = double.Epsilon; Location(d)["longitude"] = 1e308; }),
            Deep("timezone offset 1e400", a, d => { d["schedules"]![0]!.AsObject().Remove("time_zone"); d["schedules"]![0]!["timezone"] = JsonNode.Parse("1e400"); }),
            Deep("timezone offset 1e308", a, d => { d["schedules"]![0]!.AsObject().Remove("time_zone"); d["schedules"]![0]!["timezone"] = 1e308; }),
            Deep("timezone offset 5.5", a, d => { d["schedules"]![0]!.AsObject().Remove("time_zone"); d["schedules"]![0]!["timezone"] = 5.5; }),
            Deep("extension 1e400", a, d => d["phones"]![0]!["extension"] = JsonNode.Parse("1e400")),
            Deep("extension negative", a, d => d["phones"]![0]!["extension"] = -1),
            Raw("year_incorporated 1e400", "{\"name\": \"Org\", \"year_incorporated\": 1e400}"),
            Raw("year_incorporated int.MaxValue", "{\"name\": \"Org\", \"year_incorporated\": 2147483647}"),
            Raw("year_incorporated -1e400", "{\"name\": \"Org\", \"year_incorporated\": -1e400}"),
        ],
        ["negative zero"] = a =>
        [
            Raw("year_incorporated -0", "{\"name\": \"Org\", \"year_incorporated\": -0}"),
            Deep("ages -0 and -0.0", a, d => { d["minimum_age"] = JsonNode.Parse("-0"); d["maximum_age"] = JsonNode.Parse("-0.0"); }),
            Deep("coordinates -0 with maximum_age -1", a, d => { Location(d)["latitude"] = -0.0; Location(d)["longitude"] = -0.0; d["maximum_age"] = -1; }),
        ],
        ["lone surrogates"] = a =>
        [
            DeepRaw("high surrogate in name", a, d => d["name"] = Marker, "\"\\ud800\""),
            DeepRaw("low surrogate in description", a, d => d["description"] = Marker, "\"x\\udc00\\ud800y\""),
            DeepRaw("high surrogate in phone", a, d => d["phones"]![0]!["number"] = Marker, "\"\\ud800\""),
            DeepRaw("high surrogate in location name", a, d => Location(d)["name"] = Marker, "\"\\ud83d\""),
            Extent("high surrogate as extent string", a, "\"\\ud800\""),
            Extent("surrogate inside an extent string", a, "\"{\\\"type\\\":\\\"Polygon\\\\ud800\\\"}\""),
            Raw("surrogate in a key", "{\"\\ud800\": 1, \"name\": \"\\udfff\"}"),
        ],
        ["invalid UTF-8"] = a =>
        [
            Bytes("0xFF in name", Utf8("{\"name\": \"a"), [0xFF], Utf8("b\"}")),
            Bytes("overlong slash", Utf8("{\"name\": \"a"), [0xC0, 0xAF], Utf8("\"}")),
            Bytes("encoded surrogate", Utf8("{\"name\": \""), [0xED, 0xA0, 0x80], Utf8("\"}")),
            Bytes("0xFF first", [0xFF], Utf8("{\"name\": \"x\"}")),
            DeepBytes("0xFF in location name", a, d => Location(d)["name"] = Marker, [.. Utf8("\"a"), 0xFF, .. Utf8("b\"")]),
            DeepBytes("0xFF in extent string", a, d => d["service_areas"] = new JsonArray(Area(Marker)), [.. Utf8("\"a"), 0xFF, .. Utf8("b\"")]),
        ],
        ["NUL bytes in strings"] = a =>
        [
            Raw("organization name", "{\"name\": \"a\\u0000b\"}"),
            Deep("service name", a, d => d["name"] = "a\0b"),
            Deep("description", a, d => d["description"] = "\0"),
            Deep("status", a, d => d["status"] = "active\0"),
            Deep("phone number", a, d => d["phones"]![0]!["number"] = "+506\0"),
            Deep("phone type", a, d => d["phones"]![0]!["type"] = "voice\0"),
            Deep("time zone", a, d => d["schedules"]![0]!["time_zone"] = "UTC\0"),
            Deep("byday", a, d => d["schedules"]![0]!["byday"] = "MO\0"),
            Deep("opens_at", a, d => d["schedules"]![0]!["opens_at"] = "08:00\0"),
            Deep("category", a, d => d["categories"] = new JsonArray("police\0")),
            Deep("language code", a, d => d["languages"] = new JsonArray(new JsonObject { ["code"] = "es\0" })),
            Deep("gender", a, d => d["genders"] = new JsonArray("any\0")),
            Deep("email", a, d => d["email"] = "a\0@example.org"),
            Deep("url", a, d => d["url"] = "https://example.org/\0"),
            Deep("location name", a, d => Location(d)["name"] = "\0"),
            Deep("address city", a, d => Location(d)["addresses"]![0]!["city"] = "San\0José"),
            Deep("region code", a, d => d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("CR\0") })),
            Deep("assured_date", a, d => d["assured_date"] = "2024-01-01\0"),
        ],
        ["control characters"] = a =>
        [
            Deep("ANSI escape in name", a, d => d["name"] = "\u001b[31mred"),
            Deep("bell in alternate name", a, d => d["alternate_name"] = "\u0007"),
            Deep("DEL in location name", a, d => Location(d)["name"] = "x\u007f"),
            Deep("NEL in phone description", a, d => d["phones"]![0]!["description"] = "x\u0085y"),
            Raw("vertical tab in organization name", "{\"name\": \"a\\u000bb\"}"),
        ],
        ["SQL-injection-looking strings"] = a =>
        [
            Deep("status", a, d => d["status"] = "active'; DROP TABLE service; --"),
            Deep("category", a, d => d["categories"] = new JsonArray("police' OR '1'='1")),
            Deep("time zone", a, d => d["schedules"]![0]!["time_zone"] = "UTC'; DROP TABLE schedule; --"),
            Deep("byday", a, d => d["schedules"]![0]!["byday"] = "MO'); DELETE FROM schedule; --"),
            Deep("language code", a, d => d["languages"] = new JsonArray(new JsonObject { ["code"] = "es' --" })),
            Deep("region code", a, d => d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("CR'; DROP TABLE region; --") })),
            Deep("email", a, d => d["email"] = "'; DROP TABLE service; --"),
            Deep("url", a, d => d["url"] = "'; DROP TABLE service; --"),
            Deep("phone number", a, d => d["phones"]![0]!["number"] = "1; DROP TABLE phone"),
            Deep("location type", a, d => Location(d)["location_type"] = "physical' OR 1=1 --"),
            Deep("country", a, d => Location(d)["addresses"]![0]!["country"] = "C'"),
            Raw("organization id", "{\"name\": \"\", \"organization_id\": \"00000000-0000-0000-0000-000000000000' OR '1'='1\"}"),
            Raw("organization email", "{\"name\": \"Robert'); DROP TABLE organization; --\", \"email\": \"'; DROP TABLE organization; --\"}"),
        ],
        ["wrong types for every top-level field"] = a =>
            a.TopLevelFields.SelectMany(field => new[]
            {
                Raw($"{field} = object", $"{{\"{field}\": {{\"nested\": {{\"deeper\": [\"x\"]}}}}}}"),
                Raw($"{field} = array", $"{{\"{field}\": [[1, 2], [3]]}}"),
                Raw($"{field} = 1e400", $"{{\"{field}\": 1e400}}"),
                Raw($"{field} = string with NUL", $"{{\"{field}\": \"\\u0000'; DROP TABLE service; --\"}}"),
            }),
        ["objects where strings are expected"] = a =>
        [
            Deep("phone number = object", a, d => d["phones"]![0]!["number"] = new JsonObject { ["$ne"] = null }),
            Deep("byday = object", a, d => d["schedules"]![0]!["byday"] = new JsonObject { ["MO"] = true }),
            Deep("location name = array", a, d => Location(d)["name"] = new JsonArray("a", "b")),
            Deep("address city = object", a, d => Location(d)["addresses"]![0]!["city"] = new JsonObject()),
            Deep("language code = object", a, d => d["languages"] = new JsonArray(new JsonObject { ["code"] = new JsonObject() })),
            Deep("category = object", a, d => d["categories"] = new JsonArray(new JsonObject { ["code"] = "police" })),
            Deep("region code = object", a, d => d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray(new JsonObject()) })),
            Deep("latitude = non-numeric string", a, d => Location(d)["latitude"] = "9.93N"),
            Deep("phones = object", a, d => d["phones"] = new JsonObject { ["0"] = new JsonObject { ["number"] = "1" } }),
            Deep("phones[0] = string", a, d => d["phones"] = new JsonArray("+50600000001")),
            Deep("location = string", a, d => d["service_at_locations"]![0]!["location"] = "here"),
            Deep("attributes[0].taxonomy_term missing required members", a, d => d["attributes"] = new JsonArray(new JsonObject
            {
                ["taxonomy_term"] = new JsonObject { ["id"] = Guid.NewGuid() },
            })),
        ],
        ["null array elements"] = a =>
        [
            Deep("phones", a, d => d["phones"] = new JsonArray((JsonNode?)null)),
            Deep("schedules", a, d => d["schedules"] = new JsonArray((JsonNode?)null)),
            Deep("service_areas", a, d => d["service_areas"] = new JsonArray((JsonNode?)null)),
            Deep("service_at_locations", a, d => d["service_at_locations"] = new JsonArray((JsonNode?)null)),
            Deep("attributes", a, d => d["attributes"] = new JsonArray((JsonNode?)null)),
            Deep("languages", a, d => d["languages"] = new JsonArray((JsonNode?)null)),
            Deep("phone languages", a, d => d["phones"]![0]!["languages"] = new JsonArray((JsonNode?)null)),
            Deep("addresses", a, d => Location(d)["addresses"] = new JsonArray((JsonNode?)null)),
            Deep("genders", a, d => d["genders"] = new JsonArray((JsonNode?)null)),
            Deep("categories", a, d => d["categories"] = new JsonArray((JsonNode?)null)),
            Deep("delivery_modes", a, d => d["delivery_modes"] = new JsonArray((JsonNode?)null)),
            Deep("region_codes", a, d => d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray((JsonNode?)null) })),
            Deep("name null", a, d => d["name"] = null),
            Deep("organization_id null", a, d => d["organization_id"] = null),
        ],
        ["100,000-item arrays"] = a =>
        [
            Deep("genders", a, d => d["genders"] = Array(100_000, _ => "any")),
            Deep("categories", a, d => d["categories"] = Array(100_000, _ => "police")),
            Deep("delivery_modes", a, d => d["delivery_modes"] = Array(100_000, _ => "phone")),
            Deep("phones", a, d => d["phones"] = Array(100_000, _ => new JsonObject())),
            Deep("schedules", a, d => d["schedules"] = Array(100_000, _ => new JsonObject())),
            Deep("service_areas", a, d => d["service_areas"] = Array(100_000, _ => new JsonObject())),
            Deep("service_at_locations", a, d => d["service_at_locations"] = Array(100_000, _ => new JsonObject())),
            Deep("attributes", a, d => d["attributes"] = Array(100_000, _ => new JsonObject())),
            Deep("languages", a, d => d["languages"] = Array(100_000, _ => new JsonObject { ["code"] = "es" })),
            Deep("phone languages", a, d => d["phones"]![0]!["languages"] = Array(100_000, _ => new JsonObject { ["code"] = "es" })),
            Deep("addresses", a, d => Location(d)["addresses"] = Array(100_000, _ => new JsonObject())),
            Deep("region_codes", a, d => d["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = Array(100_000, i => $"R{i}") })),
            Raw("organization name as numbers", "{\"name\": [" + string.Join(",", Enumerable.Repeat("1", 100_000)) + "]}"),
        ],
        ["just over the child limits"] = a =>
        [
            Deep("201 phones", a, d => d["phones"] = Array(201, i => new JsonObject { ["number"] = $"+506{i:00000000}" })),
            Deep("201 schedules", a, d => d["schedules"] = Array(201, _ => new JsonObject { ["byday"] = "MO", ["time_zone"] = "UTC" })),
            Deep("51 categories", a, d => d["categories"] = Array(51, i => TestData.Categories[i % TestData.Categories.Length])),
            Deep("11 addresses", a, d => Location(d)["addresses"] = Array(11, _ => new JsonObject { ["city"] = "X", ["country"] = "CR" })),
        ],
        ["duplicate keys"] = a =>
        [
            Raw("valid then NUL name", "{\"name\": \"ok\", \"name\": \"\\u0000\"}"),
            Raw("valid then object name", "{\"name\": \"ok\", \"name\": {\"x\": 1}}"),
            DeepRaw("second organization_id unknown", a, d => d["alert"] = Marker,
                "\"x\", \"organization_id\": \"00000000-0000-0000-0000-000000000000\""),
            DeepRaw("second status invalid", a, d => d["alert"] = Marker, "\"x\", \"status\": \"active\", \"status\": \"gone\""),
            Extent("duplicate type in extent", a, "{\"type\": \"Polygon\", \"type\": \"Point\", \"coordinates\": [0, 0]}"),
        ],
        ["byte order marks"] = a =>
        [
            Bytes("UTF-8 BOM, empty name", [0xEF, 0xBB, 0xBF], Utf8("{\"name\": \"\"}")),
            Bytes("UTF-8 BOM, invalid service", [0xEF, 0xBB, 0xBF], Utf8(Probe(a, d => d["status"] = "gone").ToJsonString())),
            Bytes("two UTF-8 BOMs", [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF], Utf8("{\"name\": \"\"}")),
            new Body("UTF-16 with BOM", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("{\"name\": \"\"}")], "application/json; charset=utf-16"),
            new Body("UTF-32 with BOM", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes("{\"name\": \"\"}")], "application/json; charset=utf-32"),
        ],
        ["XML with a JSON content type"] = _ =>
        [
            Raw("XML document", "<?xml version=\"1.0\"?><service><name>x</name></service>"),
            Raw("XXE", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"),
            Raw("HTML", "<html><script>alert(1)</script></html>"),
        ],
        ["binary bodies"] = a =>
        [
            new Body("gzip of JSON", Gzip(Utf8(Probe(a, d => d["status"] = "gone").ToJsonString()))),
            new Body("gzip with Content-Encoding", Gzip(Utf8(Probe(a, d => d["status"] = "gone").ToJsonString())), ContentEncoding: "gzip"),
            new Body("random bytes", RandomBytes(64 * 1024)),
            new Body("PNG header", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]),
            new Body("zero bytes", new byte[4096]),
        ],
        ["GeoJSON bombs"] = a =>
        [
            Extent("MultiPolygon with 10^5 polygons", a,
                "{\"type\":\"MultiPolygon\",\"coordinates\":[" + string.Join(",", Enumerable.Repeat("[[[0,0],[1,0],[1,1],[0,0]]]", 100_000)) + "]}"),
            Extent("Polygon with 10^5 rings", a,
                "{\"type\":\"Polygon\",\"coordinates\":[[[-10,-10],[10,-10],[10,10],[-10,10],[-10,-10]]," +
                string.Join(",", Enumerable.Repeat("[[0,0],[1,0],[1,1],[0,0]]", 100_000)) + "]}"),
            Extent("MultiPolygon with 10^5 polygons, as a string", a,
                "\"{\\\"type\\\":\\\"MultiPolygon\\\",\\\"coordinates\\\":[" + string.Join(",", Enumerable.Repeat("[[[0,0],[1,0],[1,1],[0,0]]]", 100_000)) + "]}\""),
            Extent("ring of 60,000 points", a, "{\"type\":\"Polygon\",\"coordinates\":[" + Circle(60_000) + "]}"),
            DeepRaw("201 areas", a, d => d["service_areas"] = Marker,
                "[" + string.Join(",", Enumerable.Repeat("{\"extent\":{\"type\":\"Polygon\",\"coordinates\":[" + Square + "]}}", 201)) + "]"),
            Extent("nested GeometryCollections", a, Repeat("{\"type\":\"GeometryCollection\",\"geometries\":[", 40) + Repeat("]}", 40)),
        ],
        ["malformed GeoJSON"] = a =>
        [
            Extent("no coordinates", a, "{\"type\":\"Polygon\"}"),
            Extent("null coordinates", a, "{\"type\":\"Polygon\",\"coordinates\":null}"),
            Extent("empty coordinates", a, "{\"type\":\"Polygon\",\"coordinates\":[]}"),
            Extent("empty ring", a, "{\"type\":\"Polygon\",\"coordinates\":[[]]}"),
            Extent("one-point ring", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0]]]}"),
            Extent("unclosed ring", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}"),
            Extent("one-number positions", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0],[1],[2],[0]]]}"),
            Extent("empty positions", a, "{\"type\":\"Polygon\",\"coordinates\":[[[],[],[],[]]]}"),
            Extent("string positions", a, "{\"type\":\"Polygon\",\"coordinates\":[[[\"a\",\"b\"],[\"c\",\"d\"],[\"e\",\"f\"],[\"a\",\"b\"]]]}"),
            Extent("null positions", a, "{\"type\":\"Polygon\",\"coordinates\":[[null,null,null,null]]}"),
            Extent("coordinates as object", a, "{\"type\":\"Polygon\",\"coordinates\":{\"0\":[0,0]}}"),
            Extent("MultiPolygon one level short", a, "{\"type\":\"MultiPolygon\",\"coordinates\":[" + Square + "]}"),
            Extent("Polygon one level deep", a, "{\"type\":\"Polygon\",\"coordinates\":[[" + Square + "]]}"),
            Extent("unknown type", a, "{\"type\":\"Circle\",\"coordinates\":[0,0],\"radius\":1e400}"),
            Extent("no type", a, "{\"coordinates\":[" + Square + "]}"),
            Extent("type null", a, "{\"type\":null,\"coordinates\":[" + Square + "]}"),
            Extent("type number", a, "{\"type\":7,\"coordinates\":[" + Square + "]}"),
            Extent("Feature", a, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" + Square + "]}}"),
            Extent("FeatureCollection", a, "{\"type\":\"FeatureCollection\",\"features\":[]}"),
            Extent("GeometryCollection", a, "{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Polygon\",\"coordinates\":[" + Square + "]}]}"),
            Extent("Point", a, "{\"type\":\"Point\",\"coordinates\":[0,0]}"),
            Extent("empty object", a, "{}"),
            Extent("bow-tie", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}"),
            Extent("overlapping MultiPolygon", a, "{\"type\":\"MultiPolygon\",\"coordinates\":[[" + Square + "],[" + Square + "]]}"),
            Extent("hole outside shell", a, "{\"type\":\"Polygon\",\"coordinates\":[" + Square + ",[[5,5],[6,5],[6,6],[5,5]]]}"),
            Extent("longitude 1e400", a, "{\"type\":\"Polygon\",\"coordinates\":[[[1e400,0],[1,0],[1,1],[1e400,0]]]}"),
            Extent("latitude 91", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,91],[1,91],[1,92],[0,91]]]}"),
            Extent("antipodal edge", a, "{\"type\":\"Polygon\",\"coordinates\":[[[-90,0],[90,0],[90,10],[-90,0]]]}"),
            Extent("pole-to-pole edge", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,-90],[1,-90],[1,90],[0,-90]]]}"),
            Extent("whole world box", a, "{\"type\":\"Polygon\",\"coordinates\":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}"),
            Extent("altitude 1e400", a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0,1e400],[1,0,1e400],[1,1,1e400],[0,0,1e400]]]}"),
            Extent("not JSON in a string", a, "\"not json\""),
            Extent("empty string", a, "\"\""),
            Extent("number", a, "42"),
            Extent("array", a, "[" + Square + "]"),
            Extent("true", a, "true"),
        ],
        ["wrong content types"] = a =>
        [
            .. new[] { "text/plain", "application/xml", "application/javascript", "application/jsonx", "application/x-json-stream", "json", "*/*", "application/*", "", "][", "application/json, text/plain" }
                .SelectMany(type => new[]
                {
                    Raw($"valid organization as {type}", TestData.Organization("Valid organization").ToJsonString(), type),
                    Raw($"valid service as {type}", TestData.Service(a.OrganizationId, "Valid service").ToJsonString(), type),
                }),
            Raw("valid organization without a content type", TestData.Organization("Valid organization").ToJsonString(), null),
            Raw("valid service without a content type", TestData.Service(a.OrganizationId, "Valid service").ToJsonString(), null),
            Raw("form", $"name=Valid+organization&organization_id={a.OrganizationId}&status=active", "application/x-www-form-urlencoded"),
            Raw("multipart", "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nValid\r\n--b--\r\n", "multipart/form-data; boundary=b"),
        ],
        ["oversized bodies"] = _ =>
        [
            Raw("5 MiB with Content-Length", "{\"name\": \"" + new string('A', 5 * 1024 * 1024) + "\"}"),
            new Body("5 MiB without Content-Length", Utf8("{\"name\": \"" + new string('A', 5 * 1024 * 1024) + "\"}"), Chunked: true),
            new Body("1.5 MiB without Content-Length", Utf8("{\"description\": \"" + new string('A', 3 * 512 * 1024) + "\"}"), Chunked: true),
        ],
        ["special keys"] = _ =>
        [
            Raw("prototype pollution", "{\"__proto__\": {\"name\": \"x\"}, \"constructor\": {\"prototype\": {\"name\": \"x\"}}, \"name\": \"\"}"),
            Raw("$ keys", "{\"$where\": \"1 == 1\", \"$type\": \"System.Object\", \"name\": \"\"}"),
            Raw("empty key", "{\"\": \"x\", \"name\": \"\"}"),
        ],
        ["look-alike vocabulary values"] = a =>
        [
            Deep("Cyrillic a in status", a, d => d["status"] = "\u0430ctive"),
            Deep("Cyrillic p in delivery mode", a, d => d["delivery_modes"] = new JsonArray("in_\u0440erson")),
            Deep("Cyrillic o in phone type", a, d => d["phones"]![0]!["type"] = "v\u043eice"),
            Deep("Cyrillic MO in byday", a, d => d["schedules"]![0]!["byday"] = "\u041c\u041e"),
            Deep("Cyrillic e in language", a, d => d["languages"] = new JsonArray(new JsonObject { ["code"] = "\u0435s" })),
            Deep("fullwidth category", a, d => d["categories"] = new JsonArray("\uff50olice")),
            Deep("dotless i in gender", a, d => d["genders"] = new JsonArray("\u0131ny")),
        ],
        ["paths, schemes and addresses"] = a =>
        [
            Deep("time zone path traversal", a, d => d["schedules"]![0]!["time_zone"] = "../../../../etc/passwd"),
            Deep("absolute time zone path", a, d => d["schedules"]![0]!["time_zone"] = "/etc/localtime"),
            Deep("time zone with dots", a, d => d["schedules"]![0]!["time_zone"] = "America/../UTC"),
            Deep("javascript url", a, d => d["url"] = "javascript:alert(1)"),
            Deep("file url", a, d => d["url"] = "file:///etc/passwd"),
            Deep("data url", a, d => d["url"] = "data:text/html,<script>alert(1)</script>"),
            Deep("relative url", a, d => d["url"] = "//evil.example"),
            Deep("location url", a, d => Location(d)["url"] = "javascript:alert(1)"),
            Deep("email without domain", a, d => d["email"] = "someone@"),
            Deep("backtracking email", a, d => d["email"] = "a@" + new string('.', 200_000) + "@"),
            Raw("backtracking organization email", "{\"name\": \"Org\", \"email\": \"a@" + new string('.', 200_000) + "@\"}"),
            Raw("organization website", "{\"name\": \"Org\", \"website\": \"javascript:alert(1)\"}"),
        ],
        ["invalid ids and references"] = a =>
        [
            Deep("organization_id empty guid", a, d => d["organization_id"] = Guid.Empty),
            Deep("organization_id of a service", a, d => d["organization_id"] = a.ServiceId),
            Deep("organization_id not a guid", a, d => d["organization_id"] = "not-a-guid"),
            Deep("id not a guid", a, d => d["id"] = "42"),
            Deep("unknown location_id", a, d => d["service_at_locations"] = new JsonArray(new JsonObject { ["location_id"] = Guid.NewGuid() })),
            Deep("location_id differs from location.id", a, d =>
            {
                Location(d)["id"] = Guid.NewGuid();
                d["service_at_locations"]![0]!["location_id"] = Guid.NewGuid();
            }),
            Deep("same location twice", a, d =>
            {
                var id = Guid.NewGuid();
                Location(d)["id"] = id;
                d["service_at_locations"]!.AsArray().Add(new JsonObject { ["location_id"] = id });
            }),
            Deep("duplicate service_at_location ids", a, d =>
            {
                var sal = Guid.NewGuid();
                var second = TestData.Service(a.OrganizationId, "Second", 10.0, -84.2)["service_at_locations"]![0]!.DeepClone();
                d["service_at_locations"]![0]!["id"] = sal;
                second["id"] = sal;
                d["service_at_locations"]!.AsArray().Add(second);
            }),
            Deep("unknown location organization", a, d => Location(d)["organization_id"] = Guid.NewGuid()),
            Deep("unknown taxonomy term", a, d => d["attributes"] = new JsonArray(new JsonObject { ["taxonomy_term_id"] = a.OrganizationId })),
            Deep("attribute without a term", a, d => d["attributes"] = new JsonArray(new JsonObject { ["value"] = "x" })),
        ],
        ["dates, times and days"] = a =>
        [
            Deep("February 30", a, d => d["schedules"]![0]!["valid_from"] = "2024-02-30"),
            Deep("year 275760", a, d => d["schedules"]![0]!["valid_to"] = "+275760-09-13"),
            Deep("assured_date words", a, d => d["assured_date"] = "yesterday"),
            Deep("opens_at 24:00", a, d => d["schedules"]![0]!["opens_at"] = "24:00"),
            Deep("opens_at 8am", a, d => d["schedules"]![0]!["opens_at"] = "8am"),
            Deep("closes_at negative", a, d => d["schedules"]![0]!["closes_at"] = "-01:00"),
            Deep("byday empty", a, d => d["schedules"]![0]!["byday"] = ""),
            Deep("byday words", a, d => d["schedules"]![0]!["byday"] = "MONDAY"),
            Deep("byday empty item", a, d => d["schedules"]![0]!["byday"] = "MO,,TU"),
            Deep("byday repeated past the column", a, d => d["schedules"]![0]!["byday"] = string.Join(",", Enumerable.Repeat("MO", 40))),
            Deep("freq daily", a, d => d["schedules"]![0]!["freq"] = "DAILY"),
        ],
    };

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return output.ToArray();
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
#pragma warning disable CA5394 // Reproducible garbage, not security: a fixed seed keeps failures repeatable.
        new Random(20261129).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }

    /// <summary>A closed GeoJSON ring of <paramref name="points"/> distinct points on a small circle around (-84, 10).</summary>
    internal static string Circle(int points)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i <= points; i++)
        {
            var angle = 2 * Math.PI * (i % points) / points;
            sb.Append(CultureInfo.InvariantCulture, $"[{-84 + Math.Cos(angle):0.#########},{10 + Math.Sin(angle):0.#########}]");
            sb.Append(i < points ? "," : "]");
        }
        return sb.ToString();
    }
}

/// <summary>
/// Row count and the sum of row versions (<c>xmin</c>) of every table in <c>public</c> (PostGIS's <c>spatial_ref_sys</c>
/// and the migrations history aside): equal snapshots mean nothing was inserted, updated or deleted.
/// </summary>
internal static class DatabaseSnapshot
{
    public static async Task<SortedDictionary<string, string>> TakeAsync(ReferralApiFactory factory)
    {
        await using var conn = await factory.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            """
            SELECT table_name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
              AND table_name NOT IN ('spatial_ref_sys', '__EFMigrationsHistory')
            """, conn))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var snapshot = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var quoted = "\"" + table.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
#pragma warning disable CA2100 // The table name comes from information_schema and is quoted as an identifier.
            await using var count = new NpgsqlCommand($"SELECT count(*), coalesce(sum(xmin::text::bigint), 0) FROM public.{quoted}", conn);
#pragma warning restore CA2100
            await using var reader = await count.ExecuteReaderAsync();
            await reader.ReadAsync();
            snapshot[table] = $"rows={reader.GetInt64(0)} xmin_sum={reader.GetDecimal(1)}";
        }
        Assert.NotEmpty(snapshot);
        return snapshot;
    }
}
