using System.Globalization;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Names of ISO 639 language codes from the platform's culture data (ICU), not a table of our own: the English name in
/// English responses, the language's own name otherwise (<c>es</c> → "español" in a Spanish answer). A code the culture
/// data does not know (many indigenous and sign languages) is shown as the code itself.
/// </summary>
internal static class LanguageNames
{
    public static string Name(string code)
    {
        CultureInfo culture;
        try
        {
            culture = CultureInfo.GetCultureInfo(code);
        }
        catch (CultureNotFoundException)
        {
            return code;
        }
        var name = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName is "en" or "iv" ? culture.EnglishName : culture.NativeName;
        return string.IsNullOrEmpty(name) || name.Equals(code, StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("Unknown", StringComparison.OrdinalIgnoreCase) || name.Contains('(', StringComparison.Ordinal) && name.Contains(code, StringComparison.OrdinalIgnoreCase)
            ? code
            : name;
    }
}
