using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Referral.Api.Data;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Regions;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Referrals;

/// <summary>A raw nearest-service hit before it is turned into documents.</summary>
internal sealed record NearestHit(
    Guid ServiceAtLocationId, Guid ServiceId, Guid LocationId, double DistanceM, bool? OpenNow, string Visibility, double ExactDistanceM = 0,
    Guid? LocationOrganizationId = null);

/// <summary>
/// "Where can this child get help, near here, now?" — the query layer behind REST <c>/api/nearest</c>,
/// <c>/api/service_at_locations?lat&amp;lng</c>, the referral card and GraphQL.
/// Public queries measure from <c>location.public_point</c>, so confidential sites are never placed or triangulated.
/// </summary>
internal sealed class NearestQueries(ReferralDbContext db, Access.ActorContext actor, Borders borders, Microsoft.Extensions.Options.IOptions<ReferralSettings> settings,
    NearestIndex index, DbRoute route, IOriginLookup origins)
{
    private NearestGeneration? _generation;
    private bool _generationRead;

    /// <summary>Distances to approximate locations are rounded to this, on top of the generalised point.</summary>
    public const double ApproximateRoundingM = 500;

    public async Task<NearestResponse> NearestAsync(GeoPoint origin, ServiceFilter filter, int limit, double? maxDistanceM, CancellationToken ct)
    {
        var point = Geo.Point(origin.Latitude, origin.Longitude);
        var (country, regionCodes) = await OriginAsync(point, ct);
        var (results, note) = await WithinCountryAsync(point, country, filter, limit, maxDistanceM, ct);
        var remote = await RemoteAsync(point, regionCodes, filter, [.. results.Select(h => h.Service.Id!.Value)], ct);
        return new NearestResponse(origin, filter.At, regionCodes, results, remote)
        {
            Country = country,
            SameCountry = filter.SameCountry && country is not null,
            Note = note,
        };
    }

    /// <summary>
    /// The nearest options in the origin's <paramref name="country"/> (when <see cref="ServiceFilter.SameCountry"/>), with a
    /// note when the nearest site abroad is much nearer than the nearest at home (see <see cref="Borders"/>).
    /// </summary>
    public async Task<(List<NearbyService> Results, string? Note)> WithinCountryAsync(
        Point point, string? country, ServiceFilter filter, int limit, double? maxDistanceM, CancellationToken ct)
    {
        var keep = filter.SameCountry && country is not null;
        var hits = await HitsAsync(point, keep ? filter with { Country = country } : filter, limit, maxDistanceM, ct);
        var results = await ToNearbyAsync(hits, country, ct);
        NearbyService? abroad = null;
        if (keep)
        {
            // The nearest site abroad matters only when it is much nearer than the nearest at home (Borders.Note), so the
            // probe looks no farther than that, plus a margin for the rounding of approximate sites (public distances)
            // or for the generalisation of the public point (exact distances of privileged callers). Without a bound the
            // KNN scan visits every site of the category when none is abroad (issue 15).
            var probeMax = maxDistanceM;
            if (results.FirstOrDefault() is { } home)
            {
                var margin = actor.Current.IsPrivileged ? 10_000 : 1_000;
                var bound = (settings.Value.AbroadMuchCloserRatio * home.DistanceM) + margin;
                probeMax = Math.Min(maxDistanceM ?? bound, bound);
            }
            var probe = await HitsAsync(point, filter with { OutsideCountry = country }, 1, probeMax, ct);
            abroad = (await ToNearbyAsync(probe, country, ct)).FirstOrDefault();
        }
        return (results, Borders.Note(country, filter.SameCountry, results.FirstOrDefault(), abroad, settings.Value.AbroadMuchCloserRatio));
    }

    /// <summary>
    /// The <paramref name="limit"/> nearest matching service-at-locations. The GiST index orders candidates by
    /// <c>&lt;-&gt;</c> (spherical on geography); a margin of candidates is then re-ranked on the exact ellipsoidal distance.
    /// </summary>
    public async Task<List<NearestHit>> HitsAsync(Point point, ServiceFilter filter, int limit, double? maxDistanceM, CancellationToken ct)
    {
        var take = (limit * 3) + 10;
        // Callers who may see some places exactly (Actor.SeesExact) get exact distances to those; the rest stay public.
        var exact = actor.Current.IsPrivileged;
        var gen = await GenerationAsync(ct);
        var candidates = gen is not null && gen.Serves(filter)
            ? (exact ? null : InMemory(gen, point, filter, take, maxDistanceM)) ?? await ProposedAsync(gen, point, filter, take, maxDistanceM, ct)
            : await CandidatesAsync(point, filter, take, maxDistanceM, null, ct);
        return [.. candidates
            .Select(h => h with { DistanceM = exact && actor.Current.SeesExact(h.LocationOrganizationId, h.Visibility) ? Math.Round(h.ExactDistanceM, 1) : PublicDistance(h) })
            .OrderBy(h => h.DistanceM).ThenBy(h => h.ServiceAtLocationId)
            .Take(limit)];
    }

    /// <summary>
    /// The <paramref name="take"/> nearest matching service-at-locations by <c>&lt;-&gt;</c> (great-circle), with the
    /// ellipsoidal distances and open-now; with <paramref name="ids"/>: only those (proposed by the index, nearest first),
    /// in that order, checked by the same predicates.
    /// </summary>
    private async Task<List<NearestHit>> CandidatesAsync(Point point, ServiceFilter filter, int take, double? maxDistanceM, Guid[]? ids, CancellationToken ct)
    {
        var rows = db.Services.AsNoTracking().Eligible(filter)
            .SelectMany(s => s.ServiceAtLocations)
            .Where(x => x.Location!.PublicPoint != null);
        if (ids is not null)
        {
            rows = rows.Where(x => ids.Contains(x.Id));
        }
        if (maxDistanceM is { } max)
        {
            rows = rows.Where(x => x.Location!.PublicPoint!.IsWithinDistance(point, max));
        }
        if (filter.Country is { } country)
        {
            rows = rows.Where(borders.In(country));
        }
        if (filter.OutsideCountry is { } home)
        {
            rows = rows.Where(borders.Abroad(home));
        }
        if (filter.OpenOnly)
        {
            var at = filter.At;
            rows = rows.Where(x => SqlFunctions.ServiceOpenAt(x.ServiceId, at) == true);
        }
        var moment = filter.At;
        var exact = actor.Current.IsPrivileged;
        if (ids is null)
        {
            rows = rows.OrderBy(x => EF.Functions.DistanceKnn(x.Location!.PublicPoint!, point)).Take(take);
        }
        var found = await rows
            .Select(x => new NearestHit(x.Id, x.ServiceId, x.LocationId, x.Location!.PublicPoint!.Distance(point),
                SqlFunctions.ServiceOpenAt(x.ServiceId, moment), x.Location.Visibility,
                // Stryker disable once Conditional : equivalent — ExactDistanceM is read only for places the caller sees exactly (below), which needs exact = true; computing it anyway changes no answer.
                exact ? x.Location.Point!.Distance(point) : 0, x.Location.OrganizationId))
            .ToListAsync(ct);
        if (ids is null)
        {
            return found;
        }
        // No ORDER BY <-> with a short id list: the planner could walk the whole GiST index to find them.
        var order = new Dictionary<Guid, int>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            order[ids[i]] = i;
        }
        return [.. found.OrderBy(h => order[h.ServiceAtLocationId])];
    }

    /// <summary>
    /// Candidates proposed by the in-process index, nearest first, checked by the database in as few batches as it
    /// takes to find <paramref name="take"/> (the index knows everything but opening hours, so one batch but for open-now).
    /// </summary>
    private async Task<List<NearestHit>> ProposedAsync(NearestGeneration gen, Point point, ServiceFilter filter, int take, double? maxDistanceM, CancellationToken ct)
    {
        var found = new List<NearestHit>();
        using var proposals = gen.Nearest(point.Y, point.X, filter, maxDistanceM).GetEnumerator();
        var batch = filter.OpenOnly ? take * 2 : take;
        var exhausted = false;
        while (found.Count < take && !exhausted)
        {
            var ids = new List<Guid>(batch);
            while (ids.Count < batch && proposals.MoveNext())
            {
                ids.Add(proposals.Current);
            }
            exhausted = ids.Count < batch;
            if (ids.Count > 0)
            {
                found.AddRange(await CandidatesAsync(point, filter, ids.Count, maxDistanceM, [.. ids], ct));
            }
            batch = Math.Min(batch * 4, 4000);
        }
        return [.. found.Take(take)];
    }

    /// <summary>
    /// The SQL path's candidates without a statement, for public callers: the index proposes by great-circle distance (as
    /// <c>&lt;-&gt;</c> orders), the ellipsoidal distance (<see cref="Ellipsoid"/>, as PostGIS geography measures it) bounds
    /// <paramref name="maxDistanceM"/>, and open-now is evaluated in C# (<see cref="OpenHours"/>, the rules of
    /// <c>service_open_at()</c>). Null when the generation cannot answer exactly (a service whose hours or zone it does
    /// not hold, or a nearly antipodal distance): the database then checks the proposals.
    /// </summary>
    private static List<NearestHit>? InMemory(NearestGeneration gen, Point point, ServiceFilter filter, int take, double? maxDistanceM)
    {
        var found = new List<NearestHit>(take);
        foreach (var c in gen.Candidates(point.Y, point.X, filter, maxDistanceM))
        {
            var metres = Ellipsoid.DistanceM(point.Y, point.X, c.Lat, c.Lng);
            if (double.IsNaN(metres))
            {
                return null;
            }
            if (maxDistanceM is { } max && metres > max)
            {
                continue;
            }
            if (gen.Hours(c.ServiceId) is not { Uncertain: false } hours)
            {
                return null;
            }
            var open = hours.At(filter.At);
            if (filter.OpenOnly && open != true)
            {
                continue;
            }
            found.Add(new NearestHit(c.Id, c.ServiceId, c.LocationId, metres, open, c.Approximate ? Confidentiality.Approximate : Confidentiality.Public));
            if (found.Count >= take)
            {
                break;
            }
        }
        return found;
    }

    /// <summary>The index generation this request may use (null: the SQL path; on a standby always, it has its own pace).</summary>
    private Task<NearestGeneration?> GenerationAsync(CancellationToken ct)
    {
        _ = ct;
        if (!_generationRead)
        {
            // No statement: the index learns of changes by notification, this instance's writes and a background poll.
            _generation = route.UseReplica ? null : index.Current;
            _generationRead = true;
        }
        return Task.FromResult(_generation);
    }

    private static double PublicDistance(NearestHit h) => PublicDistance(h.DistanceM, h.Visibility);

    /// <summary>What the public is told: metres to 0.1 m, or to <see cref="ApproximateRoundingM"/> for an approximate location.</summary>
    public static double PublicDistance(double metres, string visibility) => visibility == Confidentiality.Approximate
        ? Math.Max(ApproximateRoundingM, Math.Round(metres / ApproximateRoundingM) * ApproximateRoundingM)
        : Math.Round(metres, 1);

    /// <summary>
    /// The region codes a point lies in: regions whose outline covers it, their parents, and — for admin-1 regions
    /// we have no outline for — the region of the nearest gazetteer town within 25 km. Coastal tolerance: a point in no
    /// country outline but within <see cref="RegionCodes.CoastalToleranceKm"/> of one (a coastal town "in the sea" off a
    /// generalised coastline) is in the nearest such country, and then in the nearest of its provinces within the same
    /// distance; a point inside a country is never given a neighbour's region by the tolerance.
    /// </summary>
    public async Task<string[]> RegionCodesAtAsync(Point point, CancellationToken ct) => (await OriginAsync(point, ct)).RegionCodes;

    /// <summary>
    /// The origin's country (<see cref="Borders.CountryAtAsync"/>: the nearest level-0 outline within the coastal
    /// tolerance) and its region codes (<see cref="RegionCodesAtAsync"/>), from one query.
    /// </summary>
    public async Task<(string? Country, string[] RegionCodes)> OriginAsync(Point point, CancellationToken ct)
    {
        // From memory where it cannot differ from the statements below (OriginIndex); a standby keeps its own pace.
        if (settings.Value.InMemoryIndex && !route.UseReplica && origins.TryOrigin(point, out var known, out var knownCodes))
        {
            return (known, knownCodes);
        }
        var tolerance = RegionCodes.CoastalToleranceKm * 1000;
        var near = await db.Regions.AsNoTracking()
            .Where(r => r.Geometry != null && r.Geometry.IsWithinDistance(point, tolerance))
            .Select(r => new { r.Code, r.ParentCode, r.Level, Inside = r.Geometry!.Covers(point), Distance = r.Geometry!.Distance(point) })
            .ToListAsync(ct);
        var country = near.Where(r => r.Level == 0 && r.Code.Length == 2)
            .OrderBy(r => r.Distance).ThenBy(r => r.Code, StringComparer.Ordinal).Select(r => r.Code).FirstOrDefault();
        var covering = near.Where(r => r.Inside).ToList();
        if (!covering.Any(r => r.Level == 0) && near.Where(r => r.Level == 0 && r.Code.Length == 2)
            .OrderBy(r => r.Distance).ThenBy(r => r.Code, StringComparer.Ordinal).FirstOrDefault() is { } coast)
        {
            covering.Add(coast);
            covering.AddRange(near.Where(r => r.Level >= 1 && !r.Inside && (r.ParentCode == coast.Code || r.Code.StartsWith(coast.Code + "-", StringComparison.Ordinal)))
                .GroupBy(r => r.Level)
                .Select(g => g.OrderBy(r => r.Distance).ThenBy(r => r.Code, StringComparer.Ordinal).First()));
        }
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var r in covering)
        {
            codes.Add(r.Code);
            if (r.ParentCode is { } parent)
            {
                codes.Add(parent);
            }
        }
        if (!covering.Any(r => r.Level >= 1))
        {
            var town = await db.Places.AsNoTracking()
                .Where(p => p.RegionCode != null && p.Point.IsWithinDistance(point, 25_000))
                .OrderBy(p => EF.Functions.DistanceKnn(p.Point, point))
                .Select(p => new { p.RegionCode, p.Country })
                .FirstOrDefaultAsync(ct);
            if (town is not null)
            {
                codes.Add(town.RegionCode!);
                codes.Add(town.Country);
            }
        }
        return (country, [.. codes]);
    }

    /// <summary>Active, eligible services whose service area covers the point (by geometry or region code).</summary>
    public async Task<List<RemoteService>> RemoteAsync(Point point, string[] regionCodes, ServiceFilter filter, Guid[] exclude, CancellationToken ct)
    {
        if (await GenerationAsync(ct) is { } gen && gen.Serves(filter) && origins.TryAreasCovering(point, regionCodes, out var covering)
            && RemoteInMemory(gen, covering, filter, exclude) is { } found)
        {
            return await ToRemoteAsync(found, ct);
        }
        var at = filter.At;
        var areas = db.ServiceAreas.AsNoTracking()
            .Where(a => (a.Extent != null && a.Extent.Covers(point)) || a.RegionCodes.Any(c => regionCodes.Contains(c)));
        var rows = await db.Services.AsNoTracking().Eligible(filter)
            .Where(s => !exclude.Contains(s.Id))
            .Join(areas, s => s.Id, a => a.ServiceId, (s, a) => new { ServiceId = s.Id, Area = a, OpenNow = SqlFunctions.ServiceOpenAt(s.Id, at) })
            .Where(x => !filter.OpenOnly || x.OpenNow == true)
            .Take(200)
            // Never the outline itself: it is not in the answer, so it need not leave the database either.
            .Select(x => new { x.ServiceId, x.Area.Id, x.Area.Name, x.Area.RegionCodes, HasExtent = x.Area.Extent != null, x.OpenNow })
            .ToListAsync(ct);
        return await ToRemoteAsync(rows.Select(r => (r.ServiceId, new RemoteArea(r.Id, r.Name, r.RegionCodes, r.HasExtent, RemoteArea.ServiceHref(r.ServiceId)), r.OpenNow)), ct);
    }

    /// <summary>
    /// The SQL path's remote rows from memory: areas of active, eligible services (<see cref="NearestGeneration.Eligible"/>)
    /// with open-now in C#, at most 200 rows. Null when a service's facts are not held exactly (the database answers).
    /// </summary>
    private static List<(Guid ServiceId, RemoteArea Area, bool? OpenNow)>? RemoteInMemory(
        NearestGeneration gen, IReadOnlyList<(Guid ServiceId, RemoteArea Area)> areas, ServiceFilter filter, Guid[] exclude)
    {
        var rows = new List<(Guid ServiceId, RemoteArea Area, bool? OpenNow)>();
        foreach (var (serviceId, area) in areas)
        {
            if (Array.IndexOf(exclude, serviceId) >= 0)
            {
                continue;
            }
            var facts = gen.Facts(serviceId);
            if (facts is null || facts.Hours.Uncertain)
            {
                return null; // a service not held (yet), or hours only the database reads
            }
            if (!facts.Active)
            {
                continue;
            }
            if (!gen.Eligible(facts, filter))
            {
                continue;
            }
            var open = facts.Hours.At(filter.At);
            if (filter.OpenOnly && open != true)
            {
                continue;
            }
            rows.Add((serviceId, area, open));
            if (rows.Count == 200)
            {
                break;
            }
        }
        return rows;
    }

    /// <summary>Remote channels first by how local their area is (a province before the whole country), then by name.</summary>
    public async Task<List<RemoteService>> ToRemoteAsync(IEnumerable<(Guid ServiceId, RemoteArea Area, bool? OpenNow)> rows, CancellationToken ct)
    {
        var list = rows.GroupBy(r => r.ServiceId).Select(g => g.OrderBy(r => AreaRank(r.Area)).First()).ToList();
        var services = await LoadServicesAsync([.. list.Select(r => r.ServiceId)], ct);
        var now = DateTimeOffset.UtcNow;
        return [.. list
            .Where(r => services.ContainsKey(r.ServiceId))
            .Select(r => new RemoteService(r.OpenNow, services[r.ServiceId].Document(now), r.Area, services[r.ServiceId].Phones))
            .OrderBy(r => AreaRank(r.ServiceArea)).ThenBy(r => r.Service.Name, StringComparer.Ordinal).ThenBy(r => r.Service.Id)];
    }

    private static int AreaRank(RemoteArea a) => a.HasExtent ? 0 : a.RegionCodes.Any(c => c.Contains('-', StringComparison.Ordinal)) ? 1 : 2;

    /// <summary>The hits as documents, each with its country, and flagged when abroad (from <paramref name="originCountry"/>) or far away.</summary>
    public async Task<List<NearbyService>> ToNearbyAsync(IReadOnlyList<NearestHit> hits, string? originCountry, CancellationToken ct)
    {
        if (hits.Count == 0)
        {
            return [];
        }
        var services = await LoadServicesAsync([.. hits.Select(h => h.ServiceId).Distinct()], ct);
        var locations = await LoadLocationsAsync([.. hits.Select(h => h.LocationId).Distinct()], ct);
        var farAwayM = settings.Value.FarAwayKm * 1000;
        var now = DateTimeOffset.UtcNow;
        return [.. hits
            .Where(h => services.ContainsKey(h.ServiceId) && locations.ContainsKey(h.LocationId))
            .Select(h =>
            {
                var (document, country) = locations[h.LocationId];
                var abroad = originCountry is not null && country is not null && country != originCountry;
                var far = h.DistanceM > farAwayM;
                var service = services[h.ServiceId];
                return new NearbyService(h.DistanceM, h.OpenNow, h.ServiceAtLocationId, service.Document(now), document!, service.Phones)
                {
                    Country = country,
                    Abroad = abroad,
                    FarAway = far,
                    Note = Borders.OptionNote(originCountry, country, abroad, far, h.DistanceM),
                };
            })];
    }

    // The services the answers show, from the index generation's cache when this request may use it (same version), else
    // from the database (and then cached in that generation: a later version starts empty).
    private async Task<Dictionary<Guid, ServiceCard>> LoadServicesAsync(Guid[] ids, CancellationToken ct) =>
        await LoadServicesAsync(ids, ids.Length == 0 ? null : await GenerationAsync(ct), ct);

    private async Task<Dictionary<Guid, ServiceCard>> LoadServicesAsync(Guid[] ids, NearestGeneration? gen, CancellationToken ct)
    {
        var found = new Dictionary<Guid, ServiceCard>(ids.Length);
        List<Guid>? missing = null;
        foreach (var id in ids)
        {
            if (gen is not null && gen.Services.TryGetValue(id, out var card))
            {
                found[id] = card;
            }
            else
            {
                (missing ??= []).Add(id);
            }
        }
        if (missing is not null)
        {
            foreach (var (id, s) in await QueryServicesAsync([.. missing], ct))
            {
                var card = ServiceCard.From(s);
                found[id] = card;
                if (gen is not null)
                {
                    NearestGeneration.Keep(gen.Services, id, card);
                }
            }
        }
        return found;
    }

    // The locations as this caller sees them, with their countries (Borders.CountriesAsync). The public's view comes from
    // the generation's cache; a privileged caller (who may see some places exactly) is always answered from the database.
    private async Task<Dictionary<Guid, (LocationDocument? Document, string? Country)>> LoadLocationsAsync(Guid[] ids, CancellationToken ct)
    {
        var viewer = actor.Current;
        return await LoadLocationsAsync(ids, viewer, viewer.IsPrivileged ? null : await GenerationAsync(ct), ct);
    }

    private async Task<Dictionary<Guid, (LocationDocument? Document, string? Country)>> LoadLocationsAsync(
        Guid[] ids, Access.Actor viewer, NearestGeneration? gen, CancellationToken ct)
    {
        var found = new Dictionary<Guid, (LocationDocument? Document, string? Country)>(ids.Length);
        List<Guid>? missing = null;
        foreach (var id in ids)
        {
            if (gen is not null && gen.Locations.TryGetValue(id, out var card))
            {
                found[id] = (card.Public, card.Country);
            }
            else
            {
                (missing ??= []).Add(id);
            }
        }
        if (missing is not null)
        {
            var rows = await db.Locations.AsNoTracking().Include(l => l.Addresses).Where(l => missing.Contains(l.Id)).ToListAsync(ct);
            var countries = await borders.CountriesAsync(rows, ct);
            foreach (var l in rows)
            {
                if (gen is not null)
                {
                    CardPool.Compact(l);
                }
                var document = LocationMapping.ToDocument(l, viewer);
                // Two letters, a few hundred distinct: one string each, however many locations are cached.
                var country = countries.GetValueOrDefault(l.Id) is { } c ? string.Intern(c) : null;
                found[l.Id] = (document, country);
                if (gen is not null && document is not null)
                {
                    NearestGeneration.Keep(gen.Locations, l.Id, new LocationCard(document, country));
                }
            }
        }
        return found;
    }

    /// <summary>
    /// Fills <paramref name="gen"/>'s card caches with the public cards of these services and locations, mapped exactly as
    /// an answer's cache miss maps them (<see cref="CardPreloader"/>: a restarted instance answers from memory soon).
    /// </summary>
    internal async Task PreloadAsync(NearestGeneration gen, Guid[] serviceIds, Guid[] locationIds, CancellationToken ct)
    {
        if (serviceIds.Length > 0)
        {
            await LoadServicesAsync(serviceIds, gen, ct);
        }
        if (locationIds.Length > 0)
        {
            await LoadLocationsAsync(locationIds, Access.Actor.Anonymous, gen, ct);
        }
    }

    private Task<Dictionary<Guid, Service>> QueryServicesAsync(Guid[] ids, CancellationToken ct) => db.Services.AsNoTracking()
        .Where(s => ids.Contains(s.Id))
        .Include(s => s.Organization)
        .Include(s => s.Phones)
        .Include(s => s.Attributes).ThenInclude(a => a.TaxonomyTerm!).ThenInclude(t => t.Taxonomy)
        .AsSingleQuery() // a few phones × a few categories per service: one round trip beats four (issue 15)
        .ToDictionaryAsync(s => s.Id, ct);
}
