using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// The referral card: for each needed category the best in-person option (eligible, active, nearest; open-now
/// shown) with up to two alternatives, plus the remote channels that cover the point, plus — when the abuse
/// happened online — the reporting channels and hotlines that act on that platform.
/// Age and gender are eligibility rules; language and audience are preferences: a service that does not match
/// them counts as 1.5 times farther when ranking, so a much closer one can still come first.
/// </summary>
internal sealed class ReferralCardQueries(ReferralDbContext db, NearestQueries nearest)
{
    public const double PreferencePenalty = 1.5;
    private const int Candidates = 10;

    public async Task<ReferralCardResponse> CardAsync(
        GeoPoint origin, ReferralProfile profile, ServiceFilter filter, IReadOnlyDictionary<string, CategoryInfo> catalog,
        double? maxDistanceM, CancellationToken ct)
    {
        var point = Geo.Point(origin.Latitude, origin.Longitude);
        var needs = filter.Categories.Length > 0 ? filter.Categories : [.. catalog.Keys];
        // Language and audience rank; they do not exclude (a child who speaks Bribri still needs the nearest police unit).
        var eligibility = filter with { Language = null, Audience = null, Categories = [] };

        // Borders: in-person options in the child's country by default, with a note when one abroad is much nearer.
        var (country, regionCodes) = await nearest.OriginAsync(point, ct);
        var sections = new List<ReferralCategory>();
        var shown = new HashSet<Guid>();
        foreach (var code in needs)
        {
            var (options, borderNote) = await nearest.WithinCountryAsync(point, country, eligibility with { Categories = [code] }, Candidates, maxDistanceM, ct);
            if (country is null)
            {
                borderNote = null; // said once, on the card
            }
            var ranked = options
                .OrderBy(o => o.DistanceM * Penalty(o, profile))
                .ThenBy(o => o.DistanceM)
                .ThenBy(o => o.ServiceAtLocationId)
                .Take(3)
                .ToList();
            shown.UnionWith(ranked.Select(o => o.Service.Id!.Value));
            var label = catalog.TryGetValue(code, out var info) ? info.Label(profile.Language) : code;
            var note = ranked.Count == 0 ? NoneNote(label, maxDistanceM, filter.OpenOnly) : null;
            if (borderNote is not null)
            {
                note = note is null ? borderNote : note + " " + borderNote;
            }
            if (ranked.FirstOrDefault() is { FarAway: true } best)
            {
                var far = $"The best option is {Borders.Km(best.DistanceM)} away: far from the child.";
                note = note is null ? far : note + " " + far;
            }
            sections.Add(new ReferralCategory(code, label, ranked.FirstOrDefault(), [.. ranked.Skip(1)], note));
        }

        var remote = await nearest.RemoteAsync(point, regionCodes, eligibility with { Categories = needs }, [], ct);
        var platformChannels = profile.Platform is { } platform
            ? await PlatformChannelsAsync(point, regionCodes, platform, eligibility, ct)
            : [];
        return new ReferralCardResponse(origin, filter.At, profile, regionCodes, sections,
            [.. remote.OrderBy(r => Penalty(r.Service, profile))],
            platformChannels,
            Texts.Get("ReferralNotice"))
        {
            Country = country,
            SameCountry = filter.SameCountry && country is not null,
            Note = Borders.Note(country, filter.SameCountry, null, null, 0),
        };
    }

    /// <summary>Online reporting channels and hotlines that act on <paramref name="platform"/>, serving this point or everywhere.</summary>
    private async Task<List<RemoteService>> PlatformChannelsAsync(
        NetTopologySuite.Geometries.Point point, string[] regionCodes, string platform, ServiceFilter eligibility, CancellationToken ct)
    {
        var at = eligibility.At;
        string[] codes = ["online_reporting", "helpline"];
        var rows = await db.Services.AsNoTracking().Eligible(eligibility with { Categories = codes })
            .Where(s => s.Platforms.Contains(platform))
            .Where(s => s.ServiceAreas.Count == 0 || s.ServiceAreas.Any(a =>
                (a.Extent != null && a.Extent.Covers(point)) || a.RegionCodes.Any(c => regionCodes.Contains(c))))
            .Select(s => new
            {
                s.Id,
                Area = s.ServiceAreas.OrderBy(a => a.Id).Select(a => new { a.Id, a.Name, a.RegionCodes, HasExtent = a.Extent != null }).FirstOrDefault(),
                OpenNow = SqlFunctions.ServiceOpenAt(s.Id, at),
            })
            .Take(50)
            .ToListAsync(ct);
        return await nearest.ToRemoteAsync(
            rows.Select(r => (r.Id, r.Area is { } a
                ? new RemoteArea(a.Id, a.Name, a.RegionCodes, a.HasExtent, RemoteArea.ServiceHref(r.Id))
                : new RemoteArea(Guid.Empty, "Online, everywhere", [], false, RemoteArea.ServiceHref(r.Id)), r.OpenNow)), ct);
    }

    private static double Penalty(NearbyService option, ReferralProfile profile) => Penalty(option.Service, profile);

    private static double Penalty(Services.ServiceDocument s, ReferralProfile profile)
    {
        var penalty = 1.0;
        if (profile.Language is { } language && s.Languages?.Any(l => l.Code == language) != true)
        {
            penalty *= PreferencePenalty;
        }
        if (profile.Audience is { } audience && s.Audience is { Length: > 0 } a && !a.Contains(audience))
        {
            penalty *= PreferencePenalty;
        }
        return penalty;
    }

    private static string NoneNote(string label, double? maxDistanceM, bool openOnly) =>
        Texts.Get("NoneNote", label, maxDistanceM is { } m ? Texts.Get("NoneWithin", Texts.Number(m / 1000, "0.#")) : "", openOnly ? Texts.Get("NoneOpen") : "");
}
