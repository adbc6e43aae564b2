namespace Referral.Api.Infrastructure;

/// <summary>
/// The one rule for free-text <c>search</c> (and the gazetteer's <c>q</c>) on every REST list, nearest and GraphQL field.
/// Each word becomes several stemmed text queries and trigram comparisons, so the cost grows with the words: the security
/// review measured 1.35 s of database time for one 42-word search.
/// </summary>
internal static class SearchText
{
    public const int MaxLength = 200;
    public const int MaxWords = 10;

    /// <summary>Why <paramref name="search"/> is refused, or null when it is fine (or absent).</summary>
    public static string? Problem(string? search)
    {
        var text = search?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        if (text.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters.";
        }
        return text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length > MaxWords ? $"must have at most {MaxWords} words." : null;
    }
}
