using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.Features.Services;

/// <summary>
/// Full-text search shared by every list, nearest and GraphQL query: the stored search document (names and
/// description, accent-free, in es/en/pt/fr) or the organization's name, plus trigram word similarity on names
/// so small typos still match ("psicologa" → "Psicóloga", "violensia" → "violencia" in a name).
/// </summary>
internal static class ServiceSearch
{
    public static IQueryable<Service> Matching(this IQueryable<Service> services, string? search)
    {
        if (string.IsNullOrWhiteSpace(search))
        {
            return services;
        }
        var q = search.Trim();
        return services.Where(s =>
            s.SearchDocument!.Matches(
                EF.Functions.WebSearchToTsQuery("simple", SqlFunctions.Unaccent(q))
                    .Or(EF.Functions.WebSearchToTsQuery("spanish", SqlFunctions.Unaccent(q)))
                    .Or(EF.Functions.WebSearchToTsQuery("english", SqlFunctions.Unaccent(q)))
                    .Or(EF.Functions.WebSearchToTsQuery("portuguese", SqlFunctions.Unaccent(q)))
                    .Or(EF.Functions.WebSearchToTsQuery("french", SqlFunctions.Unaccent(q))))
            || EF.Functions.TrigramsAreWordSimilar(SqlFunctions.Unaccent(q), SqlFunctions.Unaccent(s.Name))
            || EF.Functions.TrigramsAreWordSimilar(SqlFunctions.Unaccent(q), SqlFunctions.Unaccent(s.Organization!.Name))
            || EF.Functions.ToTsVector("simple", SqlFunctions.Unaccent(s.Organization!.Name))
                .Matches(EF.Functions.WebSearchToTsQuery("simple", SqlFunctions.Unaccent(q))));
    }

    /// <summary>Best matches first: text rank, then name similarity.</summary>
    public static IOrderedQueryable<Service> ByRelevance(this IQueryable<Service> services, string search)
    {
        var q = search.Trim();
        return services
            .OrderByDescending(s => s.SearchDocument!.RankCoverDensity(
                EF.Functions.WebSearchToTsQuery("simple", SqlFunctions.Unaccent(q))
                    .Or(EF.Functions.WebSearchToTsQuery("spanish", SqlFunctions.Unaccent(q)))
                    .Or(EF.Functions.WebSearchToTsQuery("english", SqlFunctions.Unaccent(q)))))
            .ThenByDescending(s => EF.Functions.TrigramsWordSimilarity(SqlFunctions.Unaccent(q), SqlFunctions.Unaccent(s.Name)));
    }
}
