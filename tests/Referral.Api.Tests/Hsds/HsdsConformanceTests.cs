using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Hsds;

/// <summary>
/// The HSDS 3.1 API reference endpoints, on data with every nested part we store, checked against the official
/// HSDS 3.1 schemas (Hsds/Schemas) with format validation, and for JSON nulls (HSDS forbids null).
/// </summary>
public sealed class HsdsConformanceTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const int PerPage = 2;

    private static readonly Guid ServiceTypeTaxonomyId = Guid.Parse("00000000-0000-4000-8000-00000000d001");

    [Fact]
    public async Task Discovery_Get_ConformsWithVersionProfileAndOpenapiUrl()
    {
        var findings = new Findings();

        var body = await GetJsonAsync("/api");

        findings.Check("/api", body, HsdsSchemaValidator.Discovery);
        findings.AssertNone();
        Assert.Equal("3.1", body.GetProperty("version").GetString());
        Assert.True(Uri.IsWellFormedUriString(body.GetProperty("openapi_url").GetString(), UriKind.Absolute));
    }

    [Fact]
    public async Task ServiceDetail_EveryService_ConformsToCompiledServiceSchema()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();
        var bodies = new Dictionary<Guid, JsonElement>();

        foreach (var id in data.Services)
        {
            var url = $"/api/services/{id}";
            bodies[id] = await GetJsonAsync(url);
            findings.Check(url, bodies[id], HsdsSchemaValidator.Service);
        }

        findings.AssertNone();
        // The data really has every nested part, so the pass is not vacuous.
        var rich = bodies[data.Services[0]];
        var phone = Assert.Single(rich.GetProperty("phones").EnumerateArray(), p => p.GetProperty("number").GetString() == "1147");
        Assert.Equal(2, phone.GetProperty("languages").GetArrayLength());
        Assert.True(rich.GetProperty("schedules").GetArrayLength() >= 2);
        var area = rich.GetProperty("service_areas")[0];
        Assert.Equal("MultiPolygon", JsonSerializer.Deserialize<JsonElement>(area.GetProperty("extent").GetString()!).GetProperty("type").GetString());
        Assert.Equal(2, area.GetProperty("region_codes").GetArrayLength());
        Assert.Equal(2, rich.GetProperty("service_at_locations").GetArrayLength());
        var office = Assert.Single(rich.GetProperty("service_at_locations").EnumerateArray(),
            x => x.GetProperty("location").GetProperty("name").GetString() == "Oficinas centrales");
        Assert.Equal(2, office.GetProperty("location").GetProperty("addresses").GetArrayLength());
        Assert.Contains(rich.GetProperty("attributes").EnumerateArray(),
            a => a.GetProperty("taxonomy_term").GetProperty("taxonomy_detail").TryGetProperty("uri", out _));
        Assert.Equal(3, rich.GetProperty("categories").GetArrayLength());
        var approximate = bodies[data.Services[1]].GetProperty("service_at_locations")[0].GetProperty("location");
        Assert.Equal("approximate", approximate.GetProperty("visibility").GetString());
        Assert.Equal(1, bodies[data.Services[2]].GetProperty("service_at_locations").GetArrayLength());
        Assert.Equal(0, bodies[data.Services[3]].GetProperty("service_at_locations").GetArrayLength());
    }

    [Fact]
    public async Task ServiceList_FirstMiddleAndLastPages_ConformToPageAndServiceListSchemas()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();

        await CheckListAsync("/api/services", HsdsSchemaValidator.ServiceList, data.Services.Length, findings);

        findings.AssertNone();
    }

    [Fact]
    public async Task ServiceAtLocationDetail_EveryVisibleRow_ConformsToCompiledServiceAtLocationSchema()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();

        foreach (var id in data.VisibleServiceAtLocations)
        {
            var url = $"/api/service_at_locations/{id}";
            findings.Check(url, await GetJsonAsync(url), HsdsSchemaValidator.ServiceAtLocation);
        }

        findings.AssertNone();
    }

    [Fact]
    public async Task ServiceAtLocationList_FirstMiddleAndLastPages_ConformToPageAndListSchemas()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();

        await CheckListAsync("/api/service_at_locations", HsdsSchemaValidator.ServiceAtLocationList, data.VisibleServiceAtLocations.Length, findings);

        findings.AssertNone();
    }

    [Fact]
    public async Task OrganizationDetailAndList_AllOrganizations_ConformToOrganizationSchemas()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();

        foreach (var id in data.Organizations)
        {
            var url = $"/api/organizations/{id}";
            findings.Check(url, await GetJsonAsync(url), HsdsSchemaValidator.Organization);
        }
        await CheckListAsync("/api/organizations", HsdsSchemaValidator.OrganizationList, data.Organizations.Length, findings);

        findings.AssertNone();
    }

    [Fact]
    public async Task TaxonomyDetailAndList_AllTaxonomies_ConformToTaxonomySchema()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();

        foreach (var id in data.Taxonomies)
        {
            var url = $"/api/taxonomies/{id}";
            findings.Check(url, await GetJsonAsync(url), HsdsSchemaValidator.Taxonomy);
        }
        await CheckListAsync("/api/taxonomies", HsdsSchemaValidator.Taxonomy, data.Taxonomies.Length, findings);

        findings.AssertNone();
    }

    [Fact]
    public async Task TaxonomyTermDetailAndList_AllTerms_ConformToTaxonomyTermSchema()
    {
        var data = await ArrangeAsync();
        var findings = new Findings();

        foreach (var id in data.Terms)
        {
            var url = $"/api/taxonomy_terms/{id}";
            findings.Check(url, await GetJsonAsync(url), HsdsSchemaValidator.TaxonomyTerm);
        }
        await CheckListAsync("/api/taxonomy_terms", HsdsSchemaValidator.TaxonomyTerm, data.Terms.Length, findings);

        findings.AssertNone();
    }

    [Fact]
    public void Validator_NonConformingDocuments_ReportsEveryErrorAndNull()
    {
        var service = JsonSerializer.Deserialize<JsonElement>("""
            {
              "id": "not-a-uuid", "status": "open", "email": "nobody", "url": "not a uri", "last_modified": "yesterday",
              "minimum_age": "ten", "alternate_name": null,
              "phones": [{ "number": "1147" }],
              "organization": { "id": "5c4d79d7-cc55-470e-9f1f-8cad074e4892", "name": "No description" }
            }
            """);
        var term = JsonSerializer.Deserialize<JsonElement>("""
            { "id": "3f7b145d-84af-42d7-8fae-eaca714b02b2", "name": "n", "description": "d", "taxonomy_detail": { "id": "x", "name": "t" } }
            """);
        var page = JsonSerializer.Deserialize<JsonElement>("""
            { "total_pages": 1, "page_number": 1, "size": 1, "first_page": true, "last_page": true, "empty": "no", "contents": [{ "name": "x" }] }
            """);
        var discovery = JsonSerializer.Deserialize<JsonElement>("""{ "version": "3.1", "profile": "not a uri" }""");

        var serviceErrors = HsdsSchemaValidator.Validate(service, HsdsSchemaValidator.Service);
        var termErrors = HsdsSchemaValidator.Validate(term, HsdsSchemaValidator.TaxonomyTerm);
        var pageErrors = HsdsSchemaValidator.ValidatePage(page, HsdsSchemaValidator.OrganizationList);
        var discoveryErrors = HsdsSchemaValidator.Validate(discovery, HsdsSchemaValidator.Discovery);

        AssertReported(serviceErrors, "/", "/id", "/status", "/email", "/url", "/last_modified", "/minimum_age", "/alternate_name", "/phones/0", "/organization");
        AssertReported(termErrors, "/taxonomy_detail", "/taxonomy_detail/id");
        AssertReported(pageErrors, "/", "/empty", "/contents/0");
        AssertReported(discoveryErrors, "/", "/profile");
        Assert.Contains(serviceErrors, e => e.StartsWith("/id:", StringComparison.Ordinal) && e.Contains("\"not-a-uuid\"", StringComparison.Ordinal));
        Assert.Equal(["/alternate_name"], HsdsSchemaValidator.FindNulls(service));

        static void AssertReported(IReadOnlyList<string> errors, params string[] locations)
        {
            var reported = errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(StringComparer.Ordinal);
            Assert.True(reported.SetEquals(locations), $"expected errors at {string.Join(", ", locations)}; got:\n{string.Join("\n", errors)}");
        }
    }

    /// <summary>
    /// Pages 1, the middle one and the last one with <see cref="PerPage"/> items: the envelope against the OpenAPI
    /// <c>Page</c> schema with each item against <paramref name="itemSchema"/>, and the envelope's numbers; then a page past the end.
    /// </summary>
    private async Task CheckListAsync(string path, string itemSchema, int expectedTotal, Findings findings)
    {
        var totalPages = (expectedTotal + PerPage - 1) / PerPage;
        Assert.True(totalPages >= 3, $"{path}: the arranged data should fill at least 3 pages of {PerPage}, not {totalPages}.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var page in new[] { 1, (totalPages + 1) / 2, totalPages }.Distinct())
        {
            var url = $"{path}?per_page={PerPage}&page={page}";
            var body = await GetJsonAsync(url);
            findings.CheckPage(url, body, itemSchema);
            var expectedSize = Math.Min(PerPage, expectedTotal - ((page - 1) * PerPage));
            AssertEnvelope(url, body, expectedTotal, totalPages, page, expectedSize);
            foreach (var item in body.GetProperty("contents").EnumerateArray())
            {
                Assert.True(seen.Add(item.GetProperty("id").GetString()!), $"{url}: item {item.GetProperty("id")} was already on another page.");
            }
        }

        var pastUrl = $"{path}?per_page={PerPage}&page={totalPages + 1}";
        var past = await GetJsonAsync(pastUrl);

        findings.CheckPage(pastUrl, past, itemSchema);
        Assert.Equal(expectedTotal, past.GetProperty("total_items").GetInt32());
        Assert.Equal(totalPages, past.GetProperty("total_pages").GetInt32());
        Assert.Equal(totalPages + 1, past.GetProperty("page_number").GetInt32());
        Assert.Equal(0, past.GetProperty("size").GetInt32());
        Assert.False(past.GetProperty("first_page").GetBoolean());
        Assert.True(past.GetProperty("empty").GetBoolean());
        Assert.Equal(0, past.GetProperty("contents").GetArrayLength());
    }

    private static void AssertEnvelope(string url, JsonElement body, int totalItems, int totalPages, int page, int size)
    {
        var expected = $"total_items={totalItems} total_pages={totalPages} page_number={page} size={size} " +
            $"first_page={page == 1} last_page={page == totalPages} empty=False contents={size}";
        var actual = $"total_items={Int(body, "total_items")} total_pages={Int(body, "total_pages")} page_number={Int(body, "page_number")} " +
            $"size={Int(body, "size")} first_page={Bool(body, "first_page")} last_page={Bool(body, "last_page")} " +
            $"empty={Bool(body, "empty")} contents={(body.TryGetProperty("contents", out var c) && c.ValueKind == JsonValueKind.Array ? c.GetArrayLength() : -1)}";
        Assert.True(expected == actual, $"{url}: envelope\n  expected {expected}\n  actual   {actual}");

        static string Int(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : "(missing)";
        static string Bool(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean().ToString() : "(missing)";
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        var response = await Public.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString() ?? "", StringComparison.Ordinal);
        return JsonSerializer.Deserialize<JsonElement>(text);
    }

    private sealed record Arranged(Guid[] Organizations, Guid[] Services, Guid[] VisibleServiceAtLocations, Guid[] Taxonomies, Guid[] Terms);

    /// <summary>
    /// Five organizations; six services with phones (with languages), schedules, service areas (GeoJSON polygon and
    /// multipolygon extents, region codes), public, approximate, hidden and virtual locations with addresses, categories
    /// and a term of another taxonomy; five taxonomies, one hierarchical.
    /// </summary>
    private async Task<Arranged> ArrangeAsync()
    {
        var taxonomies = await ArrangeTaxonomiesAsync();
        var orgA = await CreateOrganizationAsync(new JsonObject
        {
            ["name"] = "Patronato Nacional de la Infancia",
            ["alternate_name"] = "PANI",
            ["description"] = "Autoridad nacional de protección de la niñez.",
            ["email"] = "info@pani.example.org",
            ["website"] = "https://pani.example.org/",
            ["legal_status"] = "Institución autónoma",
            ["year_incorporated"] = 1930,
        });
        var orgB = await CreateOrganizationAsync(new JsonObject
        {
            ["name"] = "Organismo de Investigación Judicial",
            ["description"] = "Policía judicial.",
            ["website"] = "https://oij.example.org/denuncias?lang=es",
        });
        var orgC = await CreateOrganizationAsync(new JsonObject
        {
            ["name"] = "Fundación Paniamor",
            ["alternate_name"] = "Paniamor",
            ["description"] = "Organización sin fines de lucro.",
            ["email"] = "contacto@paniamor.example.org",
            ["year_incorporated"] = 1987,
        });
        var orgD = await TestData.CreateOrganizationAsync(Client, "Colectivo de apoyo psicosocial");
        var orgE = await CreateOrganizationAsync(new JsonObject { ["name"] = "Organización sin descripción" });

        var rich = TestData.Service(orgA, "Línea 1147: ayuda para la niñez", category: "helpline");
        rich["alternate_name"] = "Línea 1147";
        rich["url"] = "https://pani.example.org/1147";
        rich["email"] = "1147@pani.example.org";
        rich["interpretation_services"] = "Intérpretes de LESCO a pedido.";
        rich["application_process"] = "Llame o escriba; no hace falta cita.";
        rich["fees_description"] = "Gratuito.";
        rich["eligibility_description"] = "Niñas, niños y adolescentes, y quienes los cuidan.";
        rich["assured_date"] = "2026-01-15";
        rich["assurer_email"] = "calidad@pani.example.org";
        rich["alert"] = "Horario reducido el 24 de diciembre.";
        rich["available_24_7"] = true;
        rich["genders"] = new JsonArray("any");
        rich["delivery_modes"] = new JsonArray("phone", "whatsapp", "chat");
        rich["audience"] = new JsonArray("child", "caregiver");
        rich["platforms"] = new JsonArray("whatsapp", "instagram");
        rich["categories"] = new JsonArray("helpline", "psychosocial", "online_reporting");
        rich["attributes"] = new JsonArray(new JsonObject { ["taxonomy_term_id"] = taxonomies.LinkedTerm });
        rich["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }, new JsonObject { ["code"] = "en" }, new JsonObject { ["code"] = "bzd" });
        rich["phones"] = new JsonArray(
            new JsonObject
            {
                ["number"] = "1147",
                ["type"] = "voice",
                ["description"] = "Línea gratuita",
                ["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }, new JsonObject { ["code"] = "en" }),
            },
            new JsonObject { ["number"] = "+506 2523-0700", ["extension"] = 1500, ["type"] = "whatsapp" });
        rich["schedules"] = new JsonArray(
            new JsonObject
            {
                ["byday"] = "MO,TU,WE,TH,FR",
                ["opens_at"] = "07:00",
                ["closes_at"] = "22:00",
                ["time_zone"] = "America/Costa_Rica",
                ["valid_from"] = "2026-01-01",
                ["valid_to"] = "2026-12-31",
                ["description"] = "Atención por chat",
                ["notes"] = "Cerrado en feriados nacionales.",
            },
            new JsonObject { ["byday"] = "SA,SU", ["time_zone"] = "America/Costa_Rica", ["description"] = "Solo teléfono" });
        rich["service_areas"] = new JsonArray(new JsonObject
        {
            ["name"] = "Gran Área Metropolitana",
            ["description"] = "San José y Alajuela.",
            ["extent"] = Polygon(-84.3, 9.8, -83.9, 10.1),
            ["region_codes"] = new JsonArray("CR-SJ", "CR-A"),
        });
        rich["service_at_locations"] = new JsonArray(
            Sal("Oficinas centrales", 9.9333, -84.0833, "public", "Atención presencial.", Address("physical"), Address("postal")),
            Sal("Sede Alajuela", 10.0163, -84.2116, "public", null, Address("physical")));
        var s1 = await TestData.CreateServiceAsync(Client, rich);

        var approximate = TestData.Service(orgA, "Albergue temporal", 9.98, -84.12, "shelter", "approximate");
        approximate["categories"] = new JsonArray("shelter", "health");
        approximate["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Heredia", ["region_codes"] = new JsonArray("CR-H") });
        var s2 = await TestData.CreateServiceAsync(Client, approximate);

        var mixed = TestData.Service(orgB, "Denuncias OIJ", category: "police");
        mixed["categories"] = new JsonArray("police", "justice");
        mixed["service_at_locations"] = new JsonArray(
            Sal("Recepción de denuncias", 9.93, -84.08, "public", null, Address("physical")),
            Sal("Unidad especializada", 9.94, -84.07, "hidden", null, Address("physical")));
        var s3 = await TestData.CreateServiceAsync(Client, mixed);

        var hidden = TestData.Service(orgB, "Cámara Gesell", 9.95, -84.06, "justice", "hidden");
        hidden["status"] = "inactive";
        var s4 = await TestData.CreateServiceAsync(Client, hidden);

        var online = TestData.Service(orgC, "Reporte en línea de contenido", category: "online_reporting");
        online["status"] = "temporarily closed";
        online["delivery_modes"] = new JsonArray("online_form", "email");
        online["platforms"] = new JsonArray("tiktok", "games", "roblox");
        online["phones"] = new JsonArray(new JsonObject { ["number"] = "+50688880000", ["type"] = "sms" });
        online["service_areas"] = new JsonArray(new JsonObject
        {
            ["name"] = "Dos cantones",
            ["extent"] = new JsonObject
            {
                ["type"] = "MultiPolygon",
                ["coordinates"] = new JsonArray(Ring(-84.2, 9.9, -84.1, 10.0), Ring(-83.8, 9.8, -83.7, 9.9)),
            },
        });
        online["service_at_locations"] = new JsonArray(new JsonObject
        {
            ["location"] = new JsonObject
            {
                ["name"] = "Formulario web",
                ["location_type"] = "virtual",
                ["url"] = "https://paniamor.example.org/reportar",
                ["visibility"] = "public",
            },
        });
        var s5 = await TestData.CreateServiceAsync(Client, online);

        var minimal = new JsonObject
        {
            ["organization_id"] = orgC,
            ["name"] = "Acompañamiento psicosocial",
            ["status"] = "active",
            ["categories"] = new JsonArray("psychosocial"),
            // Without a site a service must serve an area (one rule with the import, issue 12): the smallest such document.
            ["service_areas"] = new JsonArray(new JsonObject { ["region_codes"] = new JsonArray("CR") }),
        };
        var s6 = await TestData.CreateServiceAsync(Client, minimal);

        var services = new[] { s1, s2, s3, s4, s5, s6 };
        var sals = services
            .SelectMany(s => s.GetProperty("service_at_locations").EnumerateArray())
            // The admin who arranged the data sees hidden locations too; the public does not.
            .Where(x => x.GetProperty("location").GetProperty("visibility").GetString() != "hidden")
            .Select(x => x.GetProperty("id").GetGuid())
            .ToArray();
        return new Arranged(
            [orgA, orgB, orgC, orgD, orgE],
            [.. services.Select(s => s.GetProperty("id").GetGuid())],
            sals,
            taxonomies.Taxonomies,
            taxonomies.Terms);
    }

    private sealed record ArrangedTaxonomies(Guid[] Taxonomies, Guid[] Terms, Guid LinkedTerm);

    /// <summary>Four taxonomies beside the categories: one with a URI, a version and a two-level hierarchy.</summary>
    private async Task<ArrangedTaxonomies> ArrangeTaxonomiesAsync()
    {
        var serviceType = new Taxonomy
        {
            Id = ServiceTypeTaxonomyId,
            Name = "service-type",
            Description = "Kinds of service.",
            Uri = "https://taxonomies.example.org/service-type",
            Version = "2.1",
        };
        var parent = new TaxonomyTerm
        {
            Id = Guid.NewGuid(),
            TaxonomyId = serviceType.Id,
            Code = "support",
            Name = "Support",
            Description = "Support services.",
            TermUri = "https://taxonomies.example.org/service-type/support",
            Labels = new() { ["en"] = "Support", ["es"] = "Apoyo" },
        };
        var child = new TaxonomyTerm
        {
            Id = Guid.NewGuid(),
            TaxonomyId = serviceType.Id,
            Code = "support.counselling",
            Name = "Counselling",
            Description = "Counselling by phone or in person.",
            ParentId = parent.Id,
            TermUri = "https://taxonomies.example.org/service-type/support/counselling",
        };
        serviceType.Terms = [parent, child];
        var others = new[] { "audience", "setting", "funding" }.Select((name, i) => new Taxonomy
        {
            Id = Guid.NewGuid(),
            Name = name,
            Description = $"Test taxonomy {name}.",
            Version = i == 0 ? "1" : null,
            Terms =
            [
                new TaxonomyTerm { Id = Guid.NewGuid(), Code = name + ".a", Name = name + " A", Description = "First." },
                new TaxonomyTerm { Id = Guid.NewGuid(), Code = name + ".b", Name = name + " B", Description = "" },
            ],
        }).ToList();
        await Factory.WithDbAsync(async db =>
        {
            db.Taxonomies.Add(serviceType);
            db.Taxonomies.AddRange(others);
            await db.SaveChangesAsync();
        });
        var all = new[] { serviceType }.Concat(others).ToList();
        return new ArrangedTaxonomies(
            [TestData.CategoryTaxonomyId, .. all.Select(t => t.Id)],
            [.. TestData.Categories.Select(TestData.TermId), .. all.SelectMany(t => t.Terms).Select(t => t.Id)],
            child.Id);
    }

    private async Task<Guid> CreateOrganizationAsync(JsonObject organization)
    {
        var response = await Client.PostAsJsonAsync("/api/organizations", organization);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Creating a test organization failed: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<JsonElement>(text).GetProperty("id").GetGuid();
    }

    private static JsonObject Sal(string name, double lat, double lng, string visibility, string? description, params JsonObject[] addresses)
    {
        var sal = new JsonObject
        {
            ["location"] = new JsonObject
            {
                ["name"] = name,
                ["alternate_name"] = name + " (alt)",
                ["description"] = "Sede de " + name + ".",
                ["transportation"] = "Bus 12, parada frente al parque.",
                ["url"] = "https://sedes.example.org/" + Uri.EscapeDataString(name),
                ["location_type"] = "physical",
                ["latitude"] = lat,
                ["longitude"] = lng,
                ["visibility"] = visibility,
                ["accessibility"] = new JsonArray(new JsonObject { ["description"] = "Rampa y baño accesible." }),
                ["addresses"] = new JsonArray([.. addresses]),
            },
        };
        if (description is not null)
        {
            sal["description"] = description;
        }
        return sal;
    }

    private static JsonObject Address(string type) => new()
    {
        ["attention"] = "Recepción",
        ["address_1"] = type == "postal" ? "Apartado 5000" : "Avenida 6, calles 9 y 11",
        ["address_2"] = "Segundo piso",
        ["city"] = "San José",
        ["region"] = "Central",
        ["state_province"] = "San José",
        ["postal_code"] = "10101",
        ["country"] = "CR",
        ["address_type"] = type,
    };

    private static JsonObject Polygon(double west, double south, double east, double north) => new()
    {
        ["type"] = "Polygon",
        ["coordinates"] = Ring(west, south, east, north),
    };

    private static JsonArray Ring(double west, double south, double east, double north) =>
        new(new JsonArray(
            new JsonArray(west, south), new JsonArray(east, south), new JsonArray(east, north), new JsonArray(west, north), new JsonArray(west, south)));

    /// <summary>Every schema error and null of every checked response, reported together.</summary>
    private sealed class Findings
    {
        private readonly List<string> _failures = [];
        private int _responses;

        public void Check(string url, JsonElement body, string schema) =>
            Add(url, schema, body, HsdsSchemaValidator.Validate(body, schema));

        public void CheckPage(string url, JsonElement body, string itemSchema) =>
            Add(url, "Page of " + itemSchema, body, HsdsSchemaValidator.ValidatePage(body, itemSchema));

        public void AssertNone() => Assert.True(_failures.Count == 0,
            $"{_failures.Count} HSDS 3.1 conformance failure(s) in {_responses} response(s):\n" + string.Join("\n", _failures));

        private void Add(string url, string schema, JsonElement body, IReadOnlyList<string> errors)
        {
            _responses++;
            _failures.AddRange(errors.Select(e => $"  GET {url} against {schema}: {e}"));
            _failures.AddRange(HsdsSchemaValidator.FindNulls(body).Select(p => $"  GET {url}: null at {p} (HSDS forbids null)"));
        }
    }
}
