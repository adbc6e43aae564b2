namespace Referral.Api.Infrastructure;

/// <summary>English names for the ISO 639 codes we expect; unknown codes are shown as the code itself.</summary>
internal static class LanguageNames
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["es"] = "Spanish",
        ["en"] = "English",
        ["pt"] = "Portuguese",
        ["fr"] = "French",
        ["de"] = "German",
        ["it"] = "Italian",
        ["zh"] = "Chinese",
        ["ar"] = "Arabic",
        ["ht"] = "Haitian Creole",
        ["qu"] = "Quechua",
        ["gn"] = "Guarani",
        ["ay"] = "Aymara",
        ["bzd"] = "Bribri",
        ["cjp"] = "Cabécar",
        ["gym"] = "Ngäbere",
        ["miq"] = "Miskito",
        ["sw"] = "Swahili",
        ["hi"] = "Hindi",
        ["tl"] = "Tagalog",
        ["ru"] = "Russian",
        ["sgn"] = "Sign language",
        ["lsp"] = "Panamanian Sign Language",
        ["csr"] = "Costa Rican Sign Language",
    };

    public static string Name(string code) => Names.TryGetValue(code, out var name) ? name : code;
}
