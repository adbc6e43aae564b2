namespace Referral.Api.Features.Imports;

/// <summary>
/// The name given to a record its source leaves unnamed: what kind of place it is, said plainly ("Police post (unnamed)"),
/// with its locality when known. Never the category's label: "Specialised police unit" would claim a unit the source does not.
/// </summary>
internal static class UnnamedNames
{
    public static readonly string[] Languages = ["en", "es", "pt", "fr"];

    private static readonly Dictionary<string, string[]> Kinds = new(StringComparer.Ordinal)
    {
        // en, es, pt, fr
        ["police"] = ["Police post", "Puesto policial", "Posto policial", "Poste de police"],
        ["helpline"] = ["Helpline", "Línea de ayuda", "Linha de ajuda", "Ligne d'écoute"],
        ["legal_aid"] = ["Legal aid office", "Oficina de asistencia legal", "Escritório de assistência jurídica", "Bureau d'aide juridique"],
        ["social_services"] = ["Social services office", "Oficina de servicios sociales", "Serviço social", "Bureau des services sociaux"],
        ["health"] = ["Health facility", "Centro de salud", "Unidade de saúde", "Établissement de santé"],
        ["psychosocial"] = ["Psychosocial support service", "Servicio de apoyo psicosocial", "Serviço de apoio psicossocial", "Service de soutien psychosocial"],
        ["shelter"] = ["Shelter", "Albergue", "Abrigo", "Foyer d'accueil"],
        ["online_reporting"] = ["Online reporting channel", "Canal de denuncia en línea", "Canal de denúncia online", "Canal de signalement en ligne"],
        ["justice"] = ["Justice office", "Oficina judicial", "Serviço de justiça", "Service judiciaire"],
    };

    private static readonly string[] Service = ["Service", "Servicio", "Serviço", "Service"];
    private static readonly string[] Unnamed = ["unnamed", "sin nombre", "sem nome", "sans nom"];

    /// <summary>A supported language from a code or an Accept-Language header value (first match by preference order), else English.</summary>
    public static string Language(string? requested)
    {
        foreach (var part in (requested ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var code = part.Split(';')[0].Split('-')[0].Trim().ToLowerInvariant();
            if (Languages.Contains(code))
            {
                return code;
            }
        }
        return "en";
    }

    /// <summary>"Police post (unnamed), Santa Ana" in <paramref name="language"/> (en, es, pt or fr).</summary>
    public static string Name(string? category, string? locality, string language)
    {
        var i = Math.Max(0, Array.IndexOf(Languages, language));
        var kind = category is not null && Kinds.TryGetValue(category, out var names) ? names[i] : Service[i];
        var name = $"{kind} ({Unnamed[i]})";
        return locality is null ? name : $"{name}, {locality}";
    }
}
