using System.Text.Json.Nodes;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Exports;

/// <summary>A small directory with every part Referral stores, for the round-trip and conformance tests.</summary>
internal static class RichDirectory
{
    /// <summary>
    /// Three organizations (one without services), services with phones (with languages), schedules, service areas
    /// (extent and region codes), several categories and a term of another taxonomy, public, approximate, hidden, virtual
    /// and shared locations with addresses.
    /// </summary>
    public static async Task ArrangeAsync(ReferralApiFactory factory, HttpClient client)
    {
        var partner = new Taxonomy
        {
            Id = Guid.NewGuid(),
            Name = "partner-features",
            Description = "A partner's own taxonomy.",
            Uri = "https://taxonomies.example.org/partner",
            Version = "2",
            Terms = [new TaxonomyTerm { Id = Guid.NewGuid(), Code = "free", Name = "Free of charge", Description = "No fee." }],
        };
        await factory.WithDbAsync(async db =>
        {
            db.Taxonomies.Add(partner);
            await db.SaveChangesAsync();
        });
        var orgA = await TestData.CreateOrganizationAsync(client, "Patronato Nacional de la Infancia");
        var orgB = await TestData.CreateOrganizationAsync(client, "Fundación Paniamor");
        await TestData.CreateOrganizationAsync(client, "Organización sin servicios");

        var rich = TestData.Service(orgA, "Línea 1147", category: "helpline");
        rich["alternate_name"] = "1147";
        rich["email"] = "1147@pani.example.org";
        rich["url"] = "https://pani.example.org/1147";
        rich["assured_date"] = "2026-01-15";
        rich["available_24_7"] = true;
        rich["platforms"] = new JsonArray("whatsapp", "tiktok");
        rich["categories"] = new JsonArray("helpline", "psychosocial");
        rich["attributes"] = new JsonArray(new JsonObject { ["taxonomy_term_id"] = partner.Terms[0].Id });
        rich["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }, new JsonObject { ["code"] = "bzd" });
        rich["phones"] = new JsonArray(
            // E.164, as the import stores phones (a round trip through CSV must give the same text).
            new JsonObject { ["number"] = "1147", ["type"] = "voice", ["description"] = "Gratuita", ["languages"] = new JsonArray(new JsonObject { ["code"] = "es" }) },
            new JsonObject { ["number"] = "+50625230700", ["extension"] = 1500, ["type"] = "whatsapp" });
        rich["schedules"] = new JsonArray(
            new JsonObject { ["byday"] = "MO,TU,WE,TH,FR", ["opens_at"] = "07:00", ["closes_at"] = "22:00", ["time_zone"] = "America/Costa_Rica", ["valid_from"] = "2026-01-01", ["notes"] = "Feriados cerrado." },
            new JsonObject { ["byday"] = "SA,SU", ["time_zone"] = "America/Costa_Rica", ["description"] = "Solo teléfono" });
        rich["service_areas"] = new JsonArray(new JsonObject
        {
            ["name"] = "Gran Área Metropolitana",
            ["extent"] = new JsonObject
            {
                ["type"] = "Polygon",
                ["coordinates"] = new JsonArray(new JsonArray(
                    new JsonArray(-84.3, 9.8), new JsonArray(-83.9, 9.8), new JsonArray(-83.9, 10.1), new JsonArray(-84.3, 10.1), new JsonArray(-84.3, 9.8))),
            },
            ["region_codes"] = new JsonArray("CR-SJ", "CR-A"),
        });
        var shared = Guid.NewGuid();
        rich["service_at_locations"] = new JsonArray(
            Sal(shared, "Oficinas centrales", 9.9333, -84.0833, "public", "Atención presencial."),
            Sal(Guid.NewGuid(), "Sede Alajuela", 10.0163, -84.2116, "approximate", null));
        await TestData.CreateServiceAsync(client, rich);

        var second = TestData.Service(orgA, "Asesoría legal", category: "legal_aid");
        second["service_at_locations"] = new JsonArray(new JsonObject { ["location_id"] = shared }, Sal(Guid.NewGuid(), "Casa segura", 9.95, -84.06, "hidden", null));
        await TestData.CreateServiceAsync(client, second);

        var online = TestData.Service(orgB, "Reporte en línea", category: "online_reporting");
        online["is_free"] = false;
        online["service_at_locations"] = new JsonArray(new JsonObject
        {
            ["location"] = new JsonObject { ["name"] = "Formulario web", ["location_type"] = "virtual", ["url"] = "https://paniamor.example.org/reportar", ["visibility"] = "public" },
        });
        await TestData.CreateServiceAsync(client, online);

        await TestData.CreateServiceAsync(client, new JsonObject
        {
            ["organization_id"] = orgB,
            ["name"] = "Acompañamiento sin sede",
            ["status"] = "temporarily closed",
            ["categories"] = new JsonArray("psychosocial"),
            ["phones"] = new JsonArray(new JsonObject { ["number"] = "+50688880000" }),
            // A service without a site serves an area (the import refuses a siteless service without one: missing_coordinates).
            ["service_areas"] = new JsonArray(new JsonObject { ["name"] = "Alajuela", ["region_codes"] = new JsonArray("CR-A") }),
        });
    }

    private static JsonObject Sal(Guid id, string name, double lat, double lng, string visibility, string? description)
    {
        var sal = new JsonObject
        {
            ["location"] = new JsonObject
            {
                ["id"] = id,
                ["name"] = name,
                ["description"] = "Sede " + name,
                ["location_type"] = "physical",
                ["latitude"] = lat,
                ["longitude"] = lng,
                ["visibility"] = visibility,
                ["accessibility"] = new JsonArray(new JsonObject { ["description"] = "Rampa." }),
                ["addresses"] = new JsonArray(new JsonObject
                {
                    ["attention"] = "Recepción",
                    ["address_1"] = "Avenida 6",
                    ["city"] = "San José",
                    ["state_province"] = "San José",
                    ["postal_code"] = "10101",
                    ["country"] = "CR",
                }),
            },
        };
        if (description is not null)
        {
            sal["description"] = description;
        }
        return sal;
    }
}
