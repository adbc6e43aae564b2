using System.Text;
using System.Text.Json;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>
/// The import's staging tables: session-local TEMP tables (dropped at commit or rollback, invisible to everyone else,
/// not WAL-logged) filled with PostgreSQL binary COPY. Each row carries <c>rec</c>, the ordinal of the record it came
/// with, so a record found invalid later can be taken out again. <c>audit</c> holds the record as the audit log will
/// show it when it is created.
/// </summary>
internal static class ImportStaging
{
    public const string CreateSql = """
        CREATE TEMP TABLE imp_organization (
            rec int, id uuid, name text, alternate_name text, description text, email text, website text, legal_status text,
            year_incorporated int, is_demo bool, source text, source_id text, last_modified timestamptz, implied bool, audit jsonb
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_location (
            rec int, id uuid, organization_id uuid, name text, alternate_name text, description text, location_type text, url text,
            transportation text, accessibility text, lat float8, lon float8, visibility text, is_demo bool, source text, source_id text,
            keep_addresses bool, audit jsonb,
            point geography(point, 4326) GENERATED ALWAYS AS (
                CASE WHEN lat IS NULL OR lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography END) STORED
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_address (
            rec int, id uuid, location_id uuid, attention text, address_1 text, address_2 text, city text, region text,
            state_province text, postal_code text, country text, address_type text
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_service (
            rec int, id uuid, organization_id uuid, name text, alternate_name text, description text, url text, email text, status text,
            interpretation_services text, application_process text, fees_description text, eligibility_description text,
            minimum_age int, maximum_age int, alert text, assured_date date, assurer_email text, is_free bool, available_24_7 bool,
            genders text[], delivery_modes text[], languages text[], audience text[], platforms text[], is_demo bool,
            source text, source_id text, last_modified timestamptz, audit jsonb
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_sal (rec int, id uuid, service_id uuid, location_id uuid, description text) ON COMMIT DROP;
        CREATE TEMP TABLE imp_phone (
            rec int, id uuid, service_id uuid, number text, extension int, type text, description text, languages text[]
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_schedule (
            rec int, id uuid, service_id uuid, byday text, opens_at time, closes_at time, valid_from date, valid_to date,
            time_zone text, description text, notes text
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_area (
            rec int, id uuid, service_id uuid, name text, description text, extent_wkb bytea, region_codes text[]
        ) ON COMMIT DROP;
        CREATE TEMP TABLE imp_attribute (rec int, id uuid, service_id uuid, taxonomy_term_id uuid, value text) ON COMMIT DROP;
        """;

    public static readonly string[] Tables =
        ["imp_organization", "imp_location", "imp_address", "imp_service", "imp_sal", "imp_phone", "imp_schedule", "imp_area", "imp_attribute"];

    /// <summary>Copies one batch of validated records (and the organizations and locations they bring) into the staging tables.</summary>
    public static async Task WriteAsync(NpgsqlConnection conn, IReadOnlyList<ImportRecord> records, IReadOnlyList<(int Rec, Organization Row, bool Implied)> organizations,
        IReadOnlyList<(int Rec, Location Row, bool KeepAddresses, string? Audit)> locations, CancellationToken ct)
    {
        if (organizations.Count > 0)
        {
            await using var w = await conn.BeginBinaryImportAsync(
                "COPY imp_organization (rec, id, name, alternate_name, description, email, website, legal_status, year_incorporated, is_demo, source, source_id, last_modified, implied, audit) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var (rec, o, implied) in organizations)
            {
                w.StartRow();
                w.Write(rec, NpgsqlDbType.Integer);
                w.Write(o.Id, NpgsqlDbType.Uuid);
                Text(w, o.Name);
                Text(w, o.AlternateName);
                Text(w, o.Description);
                Text(w, o.Email);
                Text(w, o.Website);
                Text(w, o.LegalStatus);
                Int(w, o.YearIncorporated);
                w.Write(o.IsDemo, NpgsqlDbType.Boolean);
                Text(w, o.Source);
                Text(w, o.SourceId);
                Instant(w, o.LastModified);
                w.Write(implied, NpgsqlDbType.Boolean);
                w.Write(AuditJson.Organization(o), NpgsqlDbType.Jsonb);
            }
            await w.CompleteAsync(ct);
        }
        if (locations.Count > 0)
        {
            await using (var w = await conn.BeginBinaryImportAsync(
                "COPY imp_location (rec, id, organization_id, name, alternate_name, description, location_type, url, transportation, accessibility, lat, lon, visibility, is_demo, source, source_id, keep_addresses, audit) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var (rec, l, keep, audit) in locations)
                {
                    w.StartRow();
                    w.Write(rec, NpgsqlDbType.Integer);
                    w.Write(l.Id, NpgsqlDbType.Uuid);
                    Uuid(w, l.OrganizationId);
                    Text(w, l.Name);
                    Text(w, l.AlternateName);
                    Text(w, l.Description);
                    Text(w, l.LocationType);
                    Text(w, l.Url);
                    Text(w, l.Transportation);
                    Text(w, l.Accessibility);
                    Double(w, l.Point?.Y);
                    Double(w, l.Point?.X);
                    Text(w, l.Visibility);
                    w.Write(l.IsDemo, NpgsqlDbType.Boolean);
                    Text(w, l.Source);
                    Text(w, l.SourceId);
                    w.Write(keep, NpgsqlDbType.Boolean);
                    w.Write(audit ?? AuditJson.Location(l), NpgsqlDbType.Jsonb);
                }
                await w.CompleteAsync(ct);
            }
            await using (var w = await conn.BeginBinaryImportAsync(
                "COPY imp_address (rec, id, location_id, attention, address_1, address_2, city, region, state_province, postal_code, country, address_type) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var (rec, l, keep, _) in locations)
                {
                    if (keep)
                    {
                        continue;
                    }
                    foreach (var a in l.Addresses)
                    {
                        w.StartRow();
                        w.Write(rec, NpgsqlDbType.Integer);
                        w.Write(a.Id, NpgsqlDbType.Uuid);
                        w.Write(a.LocationId, NpgsqlDbType.Uuid);
                        Text(w, a.Attention);
                        Text(w, a.Address1);
                        Text(w, a.Address2);
                        Text(w, a.City);
                        Text(w, a.Region);
                        Text(w, a.StateProvince);
                        Text(w, a.PostalCode);
                        Text(w, a.Country);
                        Text(w, a.AddressType);
                    }
                }
                await w.CompleteAsync(ct);
            }
        }
        if (records.Count == 0)
        {
            return;
        }
        await using (var w = await conn.BeginBinaryImportAsync(
            """
            COPY imp_service (rec, id, organization_id, name, alternate_name, description, url, email, status, interpretation_services,
                application_process, fees_description, eligibility_description, minimum_age, maximum_age, alert, assured_date, assurer_email,
                is_free, available_24_7, genders, delivery_modes, languages, audience, platforms, is_demo, source, source_id, last_modified, audit)
            FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var r in records)
            {
                var s = r.Service;
                w.StartRow();
                w.Write(r.Ordinal, NpgsqlDbType.Integer);
                w.Write(s.Id, NpgsqlDbType.Uuid);
                w.Write(s.OrganizationId, NpgsqlDbType.Uuid);
                Text(w, s.Name);
                Text(w, s.AlternateName);
                Text(w, s.Description);
                Text(w, s.Url);
                Text(w, s.Email);
                Text(w, s.Status);
                Text(w, s.InterpretationServices);
                Text(w, s.ApplicationProcess);
                Text(w, s.FeesDescription);
                Text(w, s.EligibilityDescription);
                Int(w, s.MinimumAge);
                Int(w, s.MaximumAge);
                Text(w, s.Alert);
                if (s.AssuredDate is { } d)
                {
                    w.Write(d, NpgsqlDbType.Date);
                }
                else
                {
                    w.WriteNull();
                }
                Text(w, s.AssurerEmail);
                if (s.IsFree is { } free)
                {
                    w.Write(free, NpgsqlDbType.Boolean);
                }
                else
                {
                    w.WriteNull();
                }
                w.Write(s.Available24x7, NpgsqlDbType.Boolean);
                TextArray(w, s.Genders);
                TextArray(w, s.DeliveryModes);
                TextArray(w, s.Languages);
                TextArray(w, s.Audience);
                TextArray(w, s.Platforms);
                w.Write(s.IsDemo, NpgsqlDbType.Boolean);
                Text(w, s.Source);
                Text(w, s.SourceId);
                Instant(w, s.LastModified);
                w.Write(r.ServiceAudit ?? AuditJson.Service(s), NpgsqlDbType.Jsonb);
            }
            await w.CompleteAsync(ct);
        }
        await using (var w = await conn.BeginBinaryImportAsync("COPY imp_sal (rec, id, service_id, location_id, description) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in records)
            {
                foreach (var x in r.Service.ServiceAtLocations)
                {
                    w.StartRow();
                    w.Write(r.Ordinal, NpgsqlDbType.Integer);
                    w.Write(x.Id, NpgsqlDbType.Uuid);
                    w.Write(x.ServiceId, NpgsqlDbType.Uuid);
                    w.Write(x.LocationId, NpgsqlDbType.Uuid);
                    Text(w, x.Description);
                }
            }
            await w.CompleteAsync(ct);
        }
        await using (var w = await conn.BeginBinaryImportAsync("COPY imp_phone (rec, id, service_id, number, extension, type, description, languages) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in records)
            {
                foreach (var p in r.Service.Phones)
                {
                    w.StartRow();
                    w.Write(r.Ordinal, NpgsqlDbType.Integer);
                    w.Write(p.Id, NpgsqlDbType.Uuid);
                    w.Write(p.ServiceId, NpgsqlDbType.Uuid);
                    Text(w, p.Number);
                    Int(w, p.Extension);
                    Text(w, p.Type);
                    Text(w, p.Description);
                    TextArray(w, p.Languages);
                }
            }
            await w.CompleteAsync(ct);
        }
        if (records.Any(r => r.Service.Schedules.Count > 0))
        {
            await using var w = await conn.BeginBinaryImportAsync(
                "COPY imp_schedule (rec, id, service_id, byday, opens_at, closes_at, valid_from, valid_to, time_zone, description, notes) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var r in records)
            {
                foreach (var x in r.Service.Schedules)
                {
                    w.StartRow();
                    w.Write(r.Ordinal, NpgsqlDbType.Integer);
                    w.Write(x.Id, NpgsqlDbType.Uuid);
                    w.Write(x.ServiceId, NpgsqlDbType.Uuid);
                    Text(w, x.ByDay);
                    Time(w, x.OpensAt);
                    Time(w, x.ClosesAt);
                    Date(w, x.ValidFrom);
                    Date(w, x.ValidTo);
                    Text(w, x.TimeZone);
                    Text(w, x.Description);
                    Text(w, x.Notes);
                }
            }
            await w.CompleteAsync(ct);
        }
        if (records.Any(r => r.Service.ServiceAreas.Count > 0))
        {
            var wkb = new WKBWriter();
            await using var w = await conn.BeginBinaryImportAsync(
                "COPY imp_area (rec, id, service_id, name, description, extent_wkb, region_codes) FROM STDIN (FORMAT BINARY)", ct);
            foreach (var r in records)
            {
                foreach (var a in r.Service.ServiceAreas)
                {
                    w.StartRow();
                    w.Write(r.Ordinal, NpgsqlDbType.Integer);
                    w.Write(a.Id, NpgsqlDbType.Uuid);
                    w.Write(a.ServiceId, NpgsqlDbType.Uuid);
                    Text(w, a.Name);
                    Text(w, a.Description);
                    if (a.Extent is { } extent)
                    {
                        w.Write(wkb.Write(extent), NpgsqlDbType.Bytea);
                    }
                    else
                    {
                        w.WriteNull();
                    }
                    TextArray(w, a.RegionCodes);
                }
            }
            await w.CompleteAsync(ct);
        }
        await using (var w = await conn.BeginBinaryImportAsync("COPY imp_attribute (rec, id, service_id, taxonomy_term_id, value) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in records)
            {
                foreach (var a in r.Service.Attributes)
                {
                    w.StartRow();
                    w.Write(r.Ordinal, NpgsqlDbType.Integer);
                    w.Write(a.Id, NpgsqlDbType.Uuid);
                    w.Write(a.ServiceId, NpgsqlDbType.Uuid);
                    w.Write(a.TaxonomyTermId, NpgsqlDbType.Uuid);
                    Text(w, a.Value);
                }
            }
            await w.CompleteAsync(ct);
        }
    }

    private static void Text(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value, NpgsqlDbType.Text);
        }
    }

    private static void TextArray(NpgsqlBinaryImporter w, string[] value) => w.Write(value, NpgsqlDbType.Array | NpgsqlDbType.Text);

    private static void Int(NpgsqlBinaryImporter w, int? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Integer);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void Double(NpgsqlBinaryImporter w, double? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Double);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void Uuid(NpgsqlBinaryImporter w, Guid? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Uuid);
        }
        else
        {
            w.WriteNull();
        }
    }

    /// <summary>A timestamp given by the input, or null (the merge then uses the import's time).</summary>
    private static void Instant(NpgsqlBinaryImporter w, DateTimeOffset value)
    {
        if (value == default)
        {
            w.WriteNull();
        }
        else
        {
            w.Write(value.ToUniversalTime(), NpgsqlDbType.TimestampTz);
        }
    }

    private static void Time(NpgsqlBinaryImporter w, TimeOnly? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Time);
        }
        else
        {
            w.WriteNull();
        }
    }

    private static void Date(NpgsqlBinaryImporter w, DateOnly? value)
    {
        if (value is { } v)
        {
            w.Write(v, NpgsqlDbType.Date);
        }
        else
        {
            w.WriteNull();
        }
    }
}

/// <summary>
/// Records as the audit log shows a creation: the table's columns (as <see cref="Audit.AuditRecorder"/> names them),
/// and for a service the parts written with it. Built here, while the record is in memory, and staged with it.
/// </summary>
internal static class AuditJson
{
    public static string Service(Service s) => Write(w =>
    {
        w.WriteString("id", s.Id);
        w.WriteString("organization_id", s.OrganizationId);
        w.WriteString("name", s.Name);
        Opt(w, "alternate_name", s.AlternateName);
        Opt(w, "description", s.Description);
        Opt(w, "url", s.Url);
        Opt(w, "email", s.Email);
        w.WriteString("status", s.Status);
        Opt(w, "interpretation_services", s.InterpretationServices);
        Opt(w, "application_process", s.ApplicationProcess);
        Opt(w, "fees_description", s.FeesDescription);
        Opt(w, "eligibility_description", s.EligibilityDescription);
        if (s.MinimumAge is { } min)
        {
            w.WriteNumber("minimum_age", min);
        }
        if (s.MaximumAge is { } max)
        {
            w.WriteNumber("maximum_age", max);
        }
        Opt(w, "alert", s.Alert);
        if (s.AssuredDate is { } d)
        {
            w.WriteString("assured_date", d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        }
        Opt(w, "assurer_email", s.AssurerEmail);
        if (s.IsFree is { } free)
        {
            w.WriteBoolean("is_free", free);
        }
        w.WriteBoolean("available_24_7", s.Available24x7);
        Array(w, "genders", s.Genders);
        Array(w, "delivery_modes", s.DeliveryModes);
        Array(w, "languages", s.Languages);
        Array(w, "audience", s.Audience);
        Array(w, "platforms", s.Platforms);
        Opt(w, "source", s.Source);
        Opt(w, "source_id", s.SourceId);
        w.WriteStartArray("phones");
        foreach (var p in s.Phones)
        {
            w.WriteStartObject();
            w.WriteString("number", p.Number);
            Opt(w, "type", p.Type);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("schedules");
        foreach (var x in s.Schedules)
        {
            w.WriteStartObject();
            w.WriteString("byday", x.ByDay);
            Opt(w, "opens_at", x.OpensAt?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
            Opt(w, "closes_at", x.ClosesAt?.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("time_zone", x.TimeZone);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("service_areas");
        foreach (var a in s.ServiceAreas)
        {
            w.WriteStartObject();
            Opt(w, "name", a.Name);
            Array(w, "region_codes", a.RegionCodes);
            w.WriteBoolean("extent", a.Extent is not null);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("taxonomy_term_ids");
        foreach (var a in s.Attributes)
        {
            w.WriteStringValue(a.TaxonomyTermId);
        }
        w.WriteEndArray();
        w.WriteStartArray("location_ids");
        foreach (var x in s.ServiceAtLocations)
        {
            w.WriteStringValue(x.LocationId);
        }
        w.WriteEndArray();
    });

    public static string Location(Location l) => Write(w =>
    {
        w.WriteString("id", l.Id);
        if (l.OrganizationId is { } org)
        {
            w.WriteString("organization_id", org);
        }
        Opt(w, "name", l.Name);
        Opt(w, "alternate_name", l.AlternateName);
        Opt(w, "description", l.Description);
        w.WriteString("location_type", l.LocationType);
        Opt(w, "url", l.Url);
        Opt(w, "transportation", l.Transportation);
        Opt(w, "accessibility", l.Accessibility);
        if (l.Point is { } p)
        {
            w.WritePropertyName("point");
            JsonSerializer.Serialize(w, (NetTopologySuite.Geometries.Geometry)p, JsonSetup.Options);
        }
        w.WriteString("visibility", l.Visibility);
        Opt(w, "source", l.Source);
        Opt(w, "source_id", l.SourceId);
        w.WriteStartArray("addresses");
        foreach (var a in l.Addresses)
        {
            w.WriteStartObject();
            Opt(w, "address_1", a.Address1);
            w.WriteString("city", a.City);
            Opt(w, "state_province", a.StateProvince);
            Opt(w, "postal_code", a.PostalCode);
            w.WriteString("country", a.Country);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    public static string Organization(Organization o) => Write(w =>
    {
        w.WriteString("id", o.Id);
        w.WriteString("name", o.Name);
        Opt(w, "alternate_name", o.AlternateName);
        Opt(w, "description", o.Description);
        Opt(w, "email", o.Email);
        Opt(w, "website", o.Website);
        Opt(w, "legal_status", o.LegalStatus);
        if (o.YearIncorporated is { } y)
        {
            w.WriteNumber("year_incorporated", y);
        }
        Opt(w, "source", o.Source);
        Opt(w, "source_id", o.SourceId);
    });

    /// <summary>
    /// One buffer and one writer per thread, reset for every document: two documents per imported record would otherwise
    /// each allocate a growing buffer and a writer, garbage the collector pays for (the documents are built in parallel).
    /// </summary>
    [ThreadStatic]
    private static (System.Buffers.ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? _writer;

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var (buffer, w) = _writer ??= NewWriter();
        buffer.ResetWrittenCount();
        w.Reset(buffer);
        w.WriteStartObject();
        body(w);
        w.WriteEndObject();
        w.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static (System.Buffers.ArrayBufferWriter<byte>, Utf8JsonWriter) NewWriter()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    private static void Opt(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void Array(Utf8JsonWriter w, string name, string[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }
}
