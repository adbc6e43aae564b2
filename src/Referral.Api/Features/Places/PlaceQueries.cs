using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.Features.Places;

/// <summary>A gazetteer town (GeoNames), so people can search near a named place instead of coordinates.</summary>
internal sealed record PlaceDocument(
    Guid Id, int GeonamesId, string Name, string Country, string? RegionCode, string? FeatureCode, long Population, double Latitude, double Longitude);

internal sealed record PlaceQuery(
    [property: Description("Town name, or its beginning; accents and small typos are forgiven.")][FromQuery(Name = "q")] string? Q = null,
    [property: Description("ISO 3166-1 alpha-2 country code to restrict to.")][FromQuery(Name = "country")] string? Country = null,
    [property: Description("How many places per page (default 10, at most 50); `limit` is the same (older name).")][FromQuery(Name = "per_page")] int? PerPage = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Same as per_page (older name).")][FromQuery(Name = "limit")] int? Limit = null);

internal sealed class PlaceQueries(ReferralDbContext db)
{
    /// <summary>
    /// Exact names first, then names that start with <paramref name="q"/>, then names with a word that starts with it,
    /// then near misses (trigram word similarity); within each tier the larger town first.
    /// </summary>
    public async Task<List<PlaceDocument>> SearchAsync(string q, string? country, int limit, CancellationToken ct) =>
        (await SearchPageAsync(q, country, new Infrastructure.PageRequest(1, limit), count: false, ct)).Contents.ToList();

    /// <summary>One page of <see cref="SearchAsync"/>, in the HSDS page envelope of every list.</summary>
    public async Task<Infrastructure.Page<PlaceDocument>> SearchPageAsync(string q, string? country, Infrastructure.PageRequest page, bool count, CancellationToken ct)
    {
        var text = q.Trim();
        var exact = Infrastructure.LikePattern.Escape(text);
        var prefix = exact + "%";
        var wordPrefix = "% " + prefix;
        var places = db.Places.AsNoTracking();
        if (country is not null)
        {
            places = places.Where(p => p.Country == country);
        }
        var matches = places
            .Where(p => EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(prefix))
                || EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(wordPrefix))
                || EF.Functions.TrigramsAreWordSimilar(SqlFunctions.Unaccent(text), SqlFunctions.Unaccent(p.Name)));
        var rows = await matches
            .Select(p => new
            {
                Place = p,
                Tier = EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(exact)) ? 0
                    : EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(prefix)) ? 1
                    : EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(wordPrefix)) ? 2
                    : 3,
                Similarity = EF.Functions.TrigramsWordSimilarity(SqlFunctions.Unaccent(text), SqlFunctions.Unaccent(p.Name)),
            })
            .OrderBy(x => x.Tier)
            .ThenByDescending(x => x.Tier == 3 ? x.Similarity : 0)
            .ThenByDescending(x => x.Place.Population)
            .ThenBy(x => x.Place.GeonamesId)
            .Skip(page.Skip)
            .Take(page.Size)
            .ToListAsync(ct);
        var total = count ? await matches.CountAsync(ct) : page.Skip + rows.Count;
        return Infrastructure.Page<PlaceDocument>.Create([.. rows.Select(x => ToDocument(x.Place))], total, page);
    }

    private static PlaceDocument ToDocument(Place p) =>
        new(p.Id, p.GeonamesId, p.Name, p.Country, p.RegionCode, p.FeatureCode, p.Population, p.Point.Y, p.Point.X);
}
