using System.Globalization;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Names of ISO 639 language codes from the platform's culture data (ICU), not a table of our own: the English name in
/// English responses, the language's own name otherwise (<c>es</c> → "español" in a Spanish answer). A code the culture
/// data does not know falls back to <see cref="Unlisted"/> (languages of the countries we hold data for that ICU has no
/// name for: a caseworker in Costa Rica must read "Bribri", not "bzd"), then to the code itself.
/// </summary>
internal static class LanguageNames
{
    /// <summary>
    /// Names ICU lacks, by code, then by response language (English first, the fallback). Indigenous languages are known
    /// by their own names in every response language.
    /// </summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Unlisted = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bzd"] = new() { ["en"] = "Bribri" },
        ["cjp"] = new() { ["en"] = "Cabécar" },
        ["gym"] = new() { ["en"] = "Ngäbere" },
        ["miq"] = new() { ["en"] = "Miskito" },
        ["sgn"] = new() { ["en"] = "Sign language", ["es"] = "lengua de señas", ["pt"] = "língua de sinais", ["fr"] = "langue des signes" },
        ["csr"] = new()
        {
            ["en"] = "Costa Rican Sign Language",
            ["es"] = "lengua de señas costarricense",
            ["pt"] = "língua de sinais costarriquenha",
            ["fr"] = "langue des signes costaricienne",
        },
        ["lsp"] = new()
        {
            ["en"] = "Panamanian Sign Language",
            ["es"] = "lengua de señas panameña",
            ["pt"] = "língua de sinais panamenha",
            ["fr"] = "langue des signes panaméenne",
        },
    };

    private static string Fallback(string code) =>
        Unlisted.TryGetValue(code, out var names)
            ? names.GetValueOrDefault(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName) ?? names["en"]
            : code;

    public static string Name(string code)
    {
        CultureInfo culture;
        try
        {
            culture = CultureInfo.GetCultureInfo(code);
        }
        catch (CultureNotFoundException)
        {
            return Fallback(code);
        }
        var name = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName is "en" or "iv" ? culture.EnglishName : culture.NativeName;
        return string.IsNullOrEmpty(name) || name.Equals(code, StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Unknown", StringComparison.OrdinalIgnoreCase) || name.Contains('(', StringComparison.Ordinal) && name.Contains(code, StringComparison.OrdinalIgnoreCase)
            ? Fallback(code)
            : name;
    }
}
