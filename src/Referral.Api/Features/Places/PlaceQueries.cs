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
    [property: Description("How many places (default 10, at most 50).")][FromQuery(Name = "limit")] int? Limit = null);

internal sealed class PlaceQueries(ReferralDbContext db)
{
    /// <summary>
    /// Exact names first, then names that start with <paramref name="q"/>, then names with a word that starts with it,
    /// then near misses (trigram word similarity); within each tier the larger town first.
    /// </summary>
    public async Task<List<PlaceDocument>> SearchAsync(string q, string? country, int limit, CancellationToken ct)
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
        var rows = await places
            .Where(p => EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(prefix))
                || EF.Functions.ILike(SqlFunctions.Unaccent(p.Name), SqlFunctions.Unaccent(wordPrefix))
                || EF.Functions.TrigramsAreWordSimilar(SqlFunctions.Unaccent(text), SqlFunctions.Unaccent(p.Name)))
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
            .Take(limit)
            .ToListAsync(ct);
        return [.. rows.Select(x => ToDocument(x.Place))];
    }

    private static PlaceDocument ToDocument(Place p) =>
        new(p.Id, p.GeonamesId, p.Name, p.Country, p.RegionCode, p.FeatureCode, p.Population, p.Point.Y, p.Point.X);
}
