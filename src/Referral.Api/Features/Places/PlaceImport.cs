using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Referral.Api.Data;
using Referral.Api.Features.Regions;

namespace Referral.Api.Features.Places;

/// <summary>One gazetteer entry to store: GeoNames id, names and where it is.</summary>
internal sealed record PlaceRow(int GeonamesId, string Name, string Country, string? RegionCode, string? FeatureCode, long Population, double Latitude, double Longitude);

/// <summary>A row of a gazetteer file that was not stored, and why (line is 1-based in the file).</summary>
internal sealed record PlaceRejection(int Line, string Field, string Message);

/// <summary>What a <c>places import</c> read, stored, left out and could not read.</summary>
internal sealed record PlaceImportReport(
    int Read, int Stored, int Created, int Updated, int Unchanged, int NotPopulatedPlaces, int OtherCountries, int BelowMinPopulation,
    int RegionCodesMapped, int RegionCodesKeptAsGeoNames, IReadOnlyList<string> Countries, IReadOnlyList<PlaceRejection> Rejected, bool DryRun);

internal sealed record PlaceImportOptions(IReadOnlySet<string>? Countries, long MinPopulation, bool DryRun);

/// <summary>
/// The gazetteer (table <c>place</c>) from GeoNames dump files: <c>cities500.txt</c>, <c>cities1000.txt</c>,
/// <c>cities15000.txt</c>, a country file such as <c>KE.txt</c> or <c>allCountries.txt</c> — tab-separated, no header, the
/// 19 columns of the GeoNames readme (geonameid, name, asciiname, alternatenames, latitude, longitude, feature class,
/// feature code, country code, cc2, admin1 code, admin2, admin3, admin4, population, elevation, dem, timezone, modification
/// date). Only populated places (feature class P) are kept. A row's region code is the directory's code for its GeoNames
/// admin-1 key (CR.08 → CR-SJ through the embedded provinces table, or a province of the directory whose name is the one
/// the <c>admin1CodesASCII.txt</c> file gives that key), else the GeoNames key itself (KE.30). Upserts by GeoNames id; an
/// unchanged row is not written. Rows that cannot be read are reported by line, field and reason and not stored; the rest is.
/// </summary>
internal sealed class PlaceImport(ReferralDbContext db)
{
    /// <summary>The namespace of gazetteer ids (name-based, from the GeoNames id: the same town has the same id everywhere).</summary>
    internal static readonly Guid IdNamespace = Guid.Parse("6a1b0f0e-7c1a-5d3e-9a43-3f0c2b1d4e01");

    private const int Columns = 19;
    private const int MaxRejectionsListed = 1000;

    public static Guid IdOf(int geonamesId) => Infrastructure.DeterministicGuid.Create(IdNamespace, "place:" + geonamesId);

    /// <summary>GeoNames <c>admin1CodesASCII.txt</c>: <c>CC.A1</c> → name (tab-separated: code, name, ascii name, geonameid).</summary>
    public static Dictionary<string, string> ReadAdmin1Names(TextReader reader)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            var cells = line.Split('\t');
            if (cells.Length >= 2 && cells[0].Contains('.', StringComparison.Ordinal) && cells[1].Trim().Length > 0)
            {
                result.TryAdd(cells[0].Trim(), cells[1].Trim());
            }
        }
        return result;
    }

    public async Task<PlaceImportReport> ImportAsync(TextReader geonames, IReadOnlyDictionary<string, string>? admin1Names, PlaceImportOptions options, CancellationToken ct)
    {
        var regions = await RegionIndex.LoadAsync(db, admin1Names, ct);
        var rows = new Dictionary<int, PlaceRow>();
        var rejected = new List<PlaceRejection>();
        int read = 0, notPopulated = 0, otherCountries = 0, belowMin = 0;
        var lineNumber = 0;
        while (await geonames.ReadLineAsync(ct) is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            read++;
            var cells = line.Split('\t');
            if (cells.Length != Columns)
            {
                Reject(lineNumber, "row", $"has {cells.Length} tab-separated columns; a GeoNames dump row has {Columns}.");
                continue;
            }
            if (cells[6].Trim() != "P")
            {
                notPopulated++;
                continue;
            }
            var country = cells[8].Trim().ToUpperInvariant();
            if (options.Countries is { } only && !only.Contains(country))
            {
                otherCountries++;
                continue;
            }
            if (!int.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                Reject(lineNumber, "geonameid", $"'{Clip(cells[0])}' is not a positive whole number.");
                continue;
            }
            var name = cells[1].Trim();
            if (name.Length == 0)
            {
                Reject(lineNumber, "name", "is empty.");
                continue;
            }
            if (name.Length > Infrastructure.Limits.Short || name.Any(char.IsControl))
            {
                Reject(lineNumber, "name", $"is longer than {Infrastructure.Limits.Short} characters or holds control characters.");
                continue;
            }
            if (!double.TryParse(cells[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat) || !Infrastructure.Geo.IsValidLatitude(lat))
            {
                Reject(lineNumber, "latitude", $"'{Clip(cells[4])}' is not a latitude between -90 and 90.");
                continue;
            }
            if (!double.TryParse(cells[5], NumberStyles.Float, CultureInfo.InvariantCulture, out var lng) || !Infrastructure.Geo.IsValidLongitude(lng))
            {
                Reject(lineNumber, "longitude", $"'{Clip(cells[5])}' is not a longitude between -180 and 180.");
                continue;
            }
            if (country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
            {
                Reject(lineNumber, "country code", $"'{Clip(cells[8])}' is not an ISO 3166-1 alpha-2 code.");
                continue;
            }
            long population = 0;
            if (cells[14].Trim() is { Length: > 0 } pop && (!long.TryParse(pop, NumberStyles.None, CultureInfo.InvariantCulture, out population)))
            {
                Reject(lineNumber, "population", $"'{Clip(pop)}' is not a whole number of people.");
                continue;
            }
            if (population < options.MinPopulation)
            {
                belowMin++;
                continue;
            }
            var featureCode = cells[7].Trim() is { Length: > 0 and <= Infrastructure.Limits.Code } fc ? fc : null;
            var admin1 = cells[10].Trim();
            rows[id] = new PlaceRow(id, name, country, admin1.Length == 0 ? null : regions.CodeOf(country, admin1), featureCode, population, lat, lng);
        }
        var countries = rows.Values.Select(r => r.Country).Distinct().Order(StringComparer.Ordinal).ToList();
        var mapped = rows.Values.Count(r => r.RegionCode is { } c && !c.Contains('.', StringComparison.Ordinal));
        var kept = rows.Values.Count(r => r.RegionCode is { } c && c.Contains('.', StringComparison.Ordinal));
        var (created, updated) = options.DryRun ? (0, 0) : await UpsertAsync(db, rows.Values, ct);
        var stored = options.DryRun ? 0 : created + updated;
        return new PlaceImportReport(read, stored, created, updated, options.DryRun ? 0 : rows.Count - stored, notPopulated, otherCountries, belowMin,
            mapped, kept, countries, rejected, options.DryRun);

        void Reject(int line, string field, string message)
        {
            if (rejected.Count < MaxRejectionsListed)
            {
                rejected.Add(new PlaceRejection(line, field, message));
            }
        }
    }

    private static string Clip(string s) => Infrastructure.FieldErrors.Clip(s);

    /// <summary>
    /// Inserts new places and updates changed ones in one statement (an unchanged row is not touched, so a second run
    /// writes nothing); returns how many were created and updated.
    /// </summary>
    public static async Task<(int Created, int Updated)> UpsertAsync(ReferralDbContext db, IEnumerable<PlaceRow> places, CancellationToken ct)
    {
        var list = places.ToList();
        if (list.Count == 0)
        {
            return (0, 0);
        }
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await connection.OpenAsync(ct);
        }
        try
        {
            await using var cmd = new NpgsqlCommand("""
                WITH input AS (
                    SELECT * FROM unnest(@id, @geonames_id, @name, @country, @region_code, @feature_code, @population, @lat, @lng)
                        AS t(id, geonames_id, name, country, region_code, feature_code, population, lat, lng))
                INSERT INTO place AS p (id, geonames_id, name, country, region_code, feature_code, population, point)
                SELECT id, geonames_id, name, country, region_code, feature_code, population, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography
                FROM input
                ON CONFLICT (geonames_id) DO UPDATE SET
                    name = excluded.name, country = excluded.country, region_code = excluded.region_code,
                    feature_code = excluded.feature_code, population = excluded.population, point = excluded.point
                WHERE (p.name, p.country, p.region_code, p.feature_code, p.population, ST_AsBinary(p.point))
                    IS DISTINCT FROM (excluded.name, excluded.country, excluded.region_code, excluded.feature_code, excluded.population, ST_AsBinary(excluded.point))
                RETURNING (xmax = 0) AS inserted
                """, connection);
            cmd.Parameters.Add(new NpgsqlParameter<Guid[]>("id", [.. list.Select(p => IdOf(p.GeonamesId))]));
            cmd.Parameters.Add(new NpgsqlParameter<int[]>("geonames_id", [.. list.Select(p => p.GeonamesId)]));
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("name", [.. list.Select(p => p.Name)]));
            cmd.Parameters.Add(new NpgsqlParameter<string[]>("country", [.. list.Select(p => p.Country)]));
            cmd.Parameters.Add(new NpgsqlParameter("region_code", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = list.Select(p => (object?)p.RegionCode ?? DBNull.Value).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter("feature_code", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = list.Select(p => (object?)p.FeatureCode ?? DBNull.Value).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter<long[]>("population", [.. list.Select(p => p.Population)]));
            cmd.Parameters.Add(new NpgsqlParameter<double[]>("lat", [.. list.Select(p => p.Latitude)]));
            cmd.Parameters.Add(new NpgsqlParameter<double[]>("lng", [.. list.Select(p => p.Longitude)]));
            cmd.CommandTimeout = 600;
            var (created, updated) = (0, 0);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (reader.GetBoolean(0))
                {
                    created++;
                }
                else
                {
                    updated++;
                }
            }
            return (created, updated);
        }
        finally
        {
            if (opened)
            {
                await connection.CloseAsync();
            }
        }
    }

    /// <summary>GeoNames admin-1 keys → the directory's region codes.</summary>
    private sealed class RegionIndex(RegionCodes codes, Dictionary<string, string> byCountryAndName, IReadOnlyDictionary<string, string>? admin1Names)
    {
        private readonly Dictionary<string, string> _cache = new(StringComparer.Ordinal);

        public static async Task<RegionIndex> LoadAsync(ReferralDbContext db, IReadOnlyDictionary<string, string>? admin1Names, CancellationToken ct)
        {
            var regions = await db.Regions.AsNoTracking().Select(r => new { r.Code, r.Name, r.Level, r.ParentCode }).ToListAsync(ct);
            var byName = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var r in regions.Where(r => r.Level >= 1 && r.ParentCode is { Length: 2 }))
            {
                byName.TryAdd($"{r.ParentCode}|{NameKey(r.Name)}", r.Code);
            }
            return new RegionIndex(new RegionCodes(regions.Select(r => r.Code)), byName, admin1Names);
        }

        public string CodeOf(string country, string admin1)
        {
            var key = $"{country}.{admin1}";
            if (_cache.TryGetValue(key, out var cached))
            {
                return cached;
            }
            var code = codes.Resolve(key) is { } known && !known.Contains('.', StringComparison.Ordinal) ? known
                : admin1Names is not null && admin1Names.TryGetValue(key, out var name) && byCountryAndName.TryGetValue($"{country}|{NameKey(name)}", out var byName) ? byName
                : key;
            _cache[key] = code;
            return code;
        }

        /// <summary>A name compared without case, accents, punctuation or words such as "Province" and "Region".</summary>
        internal static string NameKey(string name)
        {
            var decomposed = name.Normalize(NormalizationForm.FormD);
            var letters = new StringBuilder();
            foreach (var ch in decomposed)
            {
                if (CharUnicodeInfo.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark)
                {
                    continue;
                }
                letters.Append(char.IsLetterOrDigit(ch) ? char.ToLowerInvariant(ch) : ' ');
            }
            string[] generic = ["province", "provincia", "region", "area", "department", "departamento", "state", "county", "district", "of", "de", "del", "la"];
            return string.Join(' ', letters.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !generic.Contains(w)));
        }
    }
}
