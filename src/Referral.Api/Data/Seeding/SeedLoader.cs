using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using Referral.Api.Features.Demand;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Places;
using Referral.Api.Features.Regions;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Data.Seeding;

/// <summary>
/// Loads seed/ into the database. Idempotent: every record has a fixed id (or natural key) and is upserted,
/// and an unchanged record is not written, so a second run changes nothing (not even last_modified).
/// Demo services go through the same writer and validation as the API.
/// </summary>
internal sealed class SeedLoader(
    ReferralDbContext db, ServiceWriter services, OrganizationWriter organizations, Features.Access.ActorContext actor,
    IOptions<SeedingOptions> options, ILogger<SeedLoader> logger)
{
    public const string DemoDatasetName = "demo: Costa Rica towns (GeoNames)";
    private static readonly Guid DemoDatasetId = Guid.Parse("6a1b0f0e-7c1a-5d3e-9a43-3f0c2b1d4e01");

    public async Task RunAsync(CancellationToken ct)
    {
        actor.Set(Features.Access.Actor.System("seed"));
        var folder = FindFolder(options.Value.Path);
        logger.LogInformation("Seeding from {Folder}", folder);
        await SeedTaxonomyAsync(Path.Combine(folder, "taxonomy.json"), ct);
        await SeedRegionsAsync(Path.Combine(folder, "regions.geojson"), Path.Combine(folder, "provinces.csv"), ct);
        var places = await SeedPlacesAsync(Path.Combine(folder, "places.csv"), Path.Combine(folder, "provinces.csv"), ct);
        if (options.Value.Demo)
        {
            await SeedDemandAsync(places, ct);
            await SeedDirectoryAsync(Path.Combine(folder, "demo-directory.json"), ct);
        }
        else
        {
            logger.LogInformation("Seeding:Demo is false: the fictional demo directory and demand dataset are not loaded");
        }
        // Small tables (taxonomy, regions) never reach autovacuum's analyze threshold; without statistics the planner
        // abandons the nearest-neighbour index (bench/README.md). Analyze after every seed.
        await db.Database.ExecuteSqlRawAsync("ANALYZE", ct);
        logger.LogInformation("Seed complete");
    }

    internal static string FindFolder(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.Exists(configured) ? configured : throw new DirectoryNotFoundException($"Seeding:Path '{configured}' does not exist.");
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "seed");
                if (File.Exists(Path.Combine(candidate, "taxonomy.json")))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException("No seed/ folder found above the working directory; set Seeding:Path.");
    }

    private static async Task<T> ReadJsonAsync<T>(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<T>(stream, JsonSetup.Options, ct)
            ?? throw new InvalidDataException($"{path} is empty.");
    }

    private async Task SeedTaxonomyAsync(string path, CancellationToken ct)
    {
        var file = await ReadJsonAsync<SeedTaxonomyFile>(path, ct);
        foreach (var t in file.Taxonomies)
        {
            var taxonomy = await db.Taxonomies.Include(x => x.Terms).FirstOrDefaultAsync(x => x.Id == t.Id, ct);
            if (taxonomy is null)
            {
                taxonomy = new Features.Taxonomy.Taxonomy { Id = t.Id, Name = t.Name, Description = t.Description };
                db.Taxonomies.Add(taxonomy);
            }
            taxonomy.Name = t.Name;
            taxonomy.Description = t.Description;
            taxonomy.Uri = t.Uri;
            taxonomy.Version = t.Version;
            foreach (var s in t.Terms)
            {
                var term = taxonomy.Terms.FirstOrDefault(x => x.Id == s.Id);
                if (term is null)
                {
                    term = new TaxonomyTerm { Id = s.Id, TaxonomyId = t.Id, Code = s.Code, Name = s.Name, Description = s.Description };
                    taxonomy.Terms.Add(term);
                    db.TaxonomyTerms.Add(term);
                }
                term.Code = s.Code;
                term.Name = s.Name;
                term.Description = s.Description;
                term.TermUri = t.Uri is null ? null : $"{t.Uri}#{s.Code}";
                term.Labels = s.Labels ?? [];
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task SeedRegionsAsync(string geojsonPath, string provincesPath, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(geojsonPath, ct));
        var existing = await db.Regions.ToDictionaryAsync(r => r.Code, ct);
        foreach (var feature in doc.RootElement.GetProperty("features").EnumerateArray())
        {
            var props = feature.GetProperty("properties");
            var code = props.GetProperty("code").GetString()!;
            var geometry = JsonSerializer.Deserialize<Geometry>(feature.GetProperty("geometry").GetRawText(), JsonSetup.Options);
            var area = geometry switch
            {
                MultiPolygon m => m,
                Polygon p => Geo.Factory.CreateMultiPolygon([p]),
                _ => throw new InvalidDataException($"Region {code} is not a polygon."),
            };
            // world-atlas outlines are stitched across the antimeridian (Fiji, Chukotka): cut them there, as an import would.
            RegionImport.CutAtAntimeridian(ref area);
            area.SRID = Geo.Srid;
            if (!existing.TryGetValue(code, out var region))
            {
                region = new Region { Id = DeterministicGuid.Create(DemoDatasetId, "region:" + code), Code = code, Name = code };
                db.Regions.Add(region);
            }
            region.Name = props.GetProperty("name").GetString()!;
            region.Level = props.TryGetProperty("level", out var level) ? level.GetInt32() : 0;
            region.Population = props.TryGetProperty("population", out var pop) && pop.ValueKind == JsonValueKind.Number ? pop.GetInt64() : null;
            region.Source = "Natural Earth (public domain)";
            if (region.Geometry is null || !region.Geometry.EqualsExact(area))
            {
                region.Geometry = area;
            }
        }
        foreach (var row in ReadCsv(provincesPath))
        {
            var code = row["code"];
            if (!existing.TryGetValue(code, out var region))
            {
                region = new Region { Id = DeterministicGuid.Create(DemoDatasetId, "region:" + code), Code = code, Name = code };
                db.Regions.Add(region);
            }
            region.Name = row["name"];
            region.Level = 1;
            region.ParentCode = row["country"];
            region.Source = "ISO 3166-2";
        }
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The gazetteer: places.csv (Costa Rica's towns of 1,000+ people and every country's of 15,000+), upserted in one
    /// statement (unchanged rows untouched). Costa Rican admin-1 codes become ISO 3166-2 province codes; others keep their
    /// GeoNames admin-1 key (KE.30). Returns the Costa Rican towns, the demo population.
    /// </summary>
    private async Task<List<Place>> SeedPlacesAsync(string placesPath, string provincesPath, CancellationToken ct)
    {
        var admin1 = ReadCsv(provincesPath).ToDictionary(r => $"{r["country"]}.{r["geonames_admin1"]}", r => r["code"], StringComparer.Ordinal);
        var rows = ReadCsv(placesPath).Select(row =>
        {
            var key = $"{row["country"]}.{row["admin1_code"]}";
            return new PlaceRow(
                int.Parse(row["geonames_id"], CultureInfo.InvariantCulture), row["name"], row["country"],
                row["admin1_code"].Length == 0 ? null : admin1.GetValueOrDefault(key) ?? key,
                row["feature_code"], long.Parse(row["population"], CultureInfo.InvariantCulture),
                double.Parse(row["lat"], CultureInfo.InvariantCulture), double.Parse(row["lng"], CultureInfo.InvariantCulture));
        });
        await PlaceImport.UpsertAsync(db, rows, ct);
        return await db.Places.AsNoTracking().Where(p => p.Country == "CR").OrderBy(p => p.GeonamesId).ToListAsync(ct);
    }

    /// <summary>The demo demand dataset: the seeded towns with their GeoNames populations.</summary>
    private async Task SeedDemandAsync(List<Place> places, CancellationToken ct)
    {
        var dataset = await db.DemandDatasets.Include(d => d.Points).FirstOrDefaultAsync(d => d.Id == DemoDatasetId, ct);
        if (dataset is null)
        {
            dataset = new DemandDataset { Id = DemoDatasetId, Name = DemoDatasetName, CreatedAt = DateTimeOffset.UnixEpoch };
            db.DemandDatasets.Add(dataset);
        }
        dataset.Name = DemoDatasetName;
        dataset.Description = "Costa Rican towns of at least 1000 people from GeoNames cities1000, as a demo population for gap analysis.";
        dataset.Source = "GeoNames (https://www.geonames.org/)";
        dataset.License = "CC BY 4.0";
        dataset.IsDemo = true;
        var points = dataset.Points.ToDictionary(p => p.Id);
        foreach (var place in places)
        {
            var id = DeterministicGuid.Create(DemoDatasetId, "demand:" + place.GeonamesId);
            if (!points.TryGetValue(id, out var point))
            {
                point = new DemandPoint { Id = id, DatasetId = DemoDatasetId, Name = place.Name, Point = place.Point };
                dataset.Points.Add(point);
                db.DemandPoints.Add(point);
            }
            point.Name = place.Name;
            point.Population = place.Population;
            point.RegionCode = place.RegionCode;
            if (!point.Point.EqualsExact(place.Point))
            {
                point.Point = place.Point;
            }
        }
        await db.SaveChangesAsync(ct);
    }

    private async Task SeedDirectoryAsync(string path, CancellationToken ct)
    {
        var directory = await ReadJsonAsync<SeedDirectory>(path, ct);
        foreach (var o in directory.Organizations)
        {
            var outcome = await organizations.ReplaceAsync(o.Id, new OrganizationDocument
            {
                Id = o.Id,
                Name = o.Name,
                Description = o.Description,
                Email = o.Email,
                Website = o.Website,
                LegalStatus = o.LegalStatus,
            }, _ => true, ct);
            Ensure(outcome, "organization", o.Id);
        }
        var locations = directory.Locations.ToDictionary(l => l.Id);
        foreach (var s in directory.Services)
        {
            var outcome = await services.ReplaceAsync(s.Id, ToDocument(s, locations), _ => true, ct);
            Ensure(outcome, "service", s.Id);
            db.ChangeTracker.Clear();
        }
        if (directory.Demo)
        {
            // Demo flags are not part of the public write document; set them once, only where missing.
            var orgIds = directory.Organizations.Select(o => o.Id).ToList();
            var serviceIds = directory.Services.Select(s => s.Id).ToList();
            var locationIds = directory.Locations.Select(l => l.Id).ToList();
            await db.Organizations.Where(o => orgIds.Contains(o.Id) && !o.IsDemo).ExecuteUpdateAsync(u => u.SetProperty(o => o.IsDemo, true), ct);
            await db.Services.Where(x => serviceIds.Contains(x.Id) && !x.IsDemo).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsDemo, true), ct);
            await db.Locations.Where(l => locationIds.Contains(l.Id) && !l.IsDemo).ExecuteUpdateAsync(u => u.SetProperty(l => l.IsDemo, true), ct);
        }
    }

    private static ServiceDocument ToDocument(SeedService s, Dictionary<Guid, SeedLocation> locations) => new()
    {
        Id = s.Id,
        OrganizationId = s.OrganizationId,
        Name = s.Name,
        AlternateName = s.AlternateName,
        Description = s.Description,
        Status = s.Status,
        Url = s.Url,
        Email = s.Email,
        Categories = s.Categories,
        EligibilityDescription = s.EligibilityDescription,
        MinimumAge = s.MinimumAge,
        MaximumAge = s.MaximumAge,
        Genders = s.Genders,
        IsFree = s.IsFree,
        FeesDescription = s.FeesDescription,
        InterpretationServices = s.InterpretationServices,
        ApplicationProcess = s.ApplicationProcess,
        DeliveryModes = s.DeliveryModes,
        Available247 = s.Available247,
        Languages = [.. (s.Languages ?? []).Select(code => new LanguageDocument { Code = code })],
        Audience = s.Audience,
        Platforms = s.Platforms,
        AssuredDate = s.AssuredDate,
        AssurerEmail = s.AssurerEmail,
        Phones = [.. s.Phones.Select(p => new PhoneDocument
        {
            Id = p.Id, Number = p.Number, Type = p.Type, Description = p.Description,
            Languages = [.. (p.Languages ?? []).Select(code => new LanguageDocument { Code = code })],
        })],
        Schedules = [.. s.Schedules.Select(x => new ScheduleDocument
        {
            Id = x.Id, Byday = x.Byday, OpensAt = x.OpensAt, ClosesAt = x.ClosesAt, TimeZone = x.Timezone, Description = x.Description,
        })],
        ServiceAreas = [.. s.ServiceAreas.Select(a => new ServiceAreaDocument { Id = a.Id, Name = a.Name, RegionCodes = a.RegionCodes })],
        ServiceAtLocations = [.. s.LocationIds.Select(id => locations[id]).Select(l => new ServiceAtLocationDocument
        {
            Id = DeterministicGuid.Create(s.Id, "sal:" + l.Id),
            LocationId = l.Id,
            Location = new LocationDocument
            {
                Id = l.Id,
                OrganizationId = l.OrganizationId,
                Name = l.Name,
                LocationType = l.LocationType,
                Latitude = l.Latitude,
                Longitude = l.Longitude,
                Visibility = l.Visibility,
                Addresses = l.Address is { } a
                    ? [new AddressDocument
                    {
                        Id = DeterministicGuid.Create(l.Id, "address"), Address1 = a.Address1, City = a.City, StateProvince = a.StateProvince,
                        Region = a.Region, PostalCode = a.PostalCode, Country = a.Country, AddressType = "physical",
                    }]
                    : [],
            },
        })],
    };

    private static void Ensure(WriteOutcome outcome, string what, Guid id)
    {
        if (outcome.Status is not (WriteStatus.Created or WriteStatus.Updated))
        {
            var errors = outcome.Errors is null ? outcome.Detail : string.Join("; ", outcome.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            throw new InvalidDataException($"Seed {what} {id} was rejected ({outcome.Status}): {errors}");
        }
    }

    /// <summary>A small RFC 4180 reader (quoted fields, doubled quotes); seed files are small and trusted.</summary>
    internal static IEnumerable<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        var header = ParseCsvLine(reader.ReadLine() ?? "");
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            var fields = ParseCsvLine(line);
            yield return header.Select((h, i) => (h, v: i < fields.Count ? fields[i] : "")).ToDictionary(x => x.h, x => x.v);
        }
    }

    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }
        fields.Add(current.ToString());
        return fields;
    }
}
