namespace Referral.Api.Infrastructure;

internal static class LikePattern
{
    /// <summary>Escapes LIKE wildcards so user input matches literally (PostgreSQL's default escape is backslash).</summary>
    public static string Escape(string input) => input
        .Replace(@"\", @"\\", StringComparison.Ordinal)
        .Replace("%", @"\%", StringComparison.Ordinal)
        .Replace("_", @"\_", StringComparison.Ordinal);
}
