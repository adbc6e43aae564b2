using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Referral.Api.Features.Imports;

/// <summary>
/// How the columns of a flat file (CSV, or GeoJSON feature properties) map to a service. Without a mapping file, common
/// headers are recognised in English, Spanish, Portuguese and French (<c>name</c>, <c>category</c>, <c>lat</c>/<c>latitude</c>,
/// <c>lon</c>/<c>lng</c>/<c>longitude</c>, <c>phone</c>, <c>address</c>, <c>city</c>, <c>county</c>, <c>country</c>,
/// <c>service_area</c>/<c>region_codes</c>, …). A mapping file
/// (JSON) names columns explicitly, translates values and gives defaults:
/// <code>
/// { "columns": { "Nombre": "name", "Tipo": "category", "Tel.": "phone", "Notas": "ignore" },
///   "values": { "category": { "Comisaría": "police" } },
///   "defaults": { "country": "CR", "visibility": "public" },
///   "delimiter": ";", "list_separator": "|" }
/// </code>
/// </summary>
internal sealed record CsvMapping
{
    public static readonly CsvMapping Default = new();

    /// <summary>Header (exactly as in the file, case-insensitive) → target field, or <c>ignore</c>.</summary>
    public Dictionary<string, string> Columns { get; init; } = [];

    /// <summary>Target field → (value in the file → value to import), e.g. category labels of the source.</summary>
    public Dictionary<string, Dictionary<string, string>> Values { get; init; } = [];

    /// <summary>Target field → value used when a row has none (or the file has no such column).</summary>
    public Dictionary<string, string> Defaults { get; init; } = [];

    /// <summary>The CSV delimiter; detected from the header when absent.</summary>
    public string? Delimiter { get; init; }

    /// <summary>Separates several values in one cell (categories, phones, languages); default <c>;</c> (or <c>|</c> when the delimiter is <c>;</c>).</summary>
    public string? ListSeparator { get; init; }

    public const string Ignore = "ignore";

    /// <summary>The fields a column can fill.</summary>
    public static readonly string[] Targets =
    [
        "id", "source_id", "name", "alternate_name", "description", "status", "categories", "url", "email", "phones",
        "languages", "minimum_age", "maximum_age", "is_free", "available_24_7", "delivery_modes", "audience", "genders",
        "platforms", "eligibility_description", "fees_description", "application_process", "interpretation_services",
        "alert", "assured_date", "assurer_email", "last_modified",
        "organization_id", "organization", "service_area",
        "location_id", "location_name", "location_type", "visibility", "latitude", "longitude", "coordinates",
        "location_description", "transportation", "accessibility",
        "address_1", "address_2", "city", "region", "state_province", "postal_code", "country",
        Ignore,
    ];

    /// <summary>Normalised header → target (headers are compared without case, accents, spaces, dashes or dots).</summary>
    private static readonly Dictionary<string, string> Synonyms = BuildSynonyms(new()
    {
        ["id"] = ["id", "uuid", "service_id"],
        ["source_id"] = ["source_id", "external_id", "external_identifier", "ref", "reference", "record_id", "codigo", "code_id"],
        ["name"] = ["name", "service_name", "service", "nombre", "nombre_servicio", "nom", "nome", "title", "titulo", "settlement", "place", "asentamiento", "poblado"],
        ["alternate_name"] = ["alternate_name", "alt_name", "short_name", "nombre_corto"],
        ["description"] = ["description", "descripcion", "descricao", "details", "detalles"],
        ["status"] = ["status", "estado"],
        ["categories"] = ["category", "categories", "categoria", "categorias", "categorie", "type", "service_type", "tipo", "tipo_servicio"],
        ["url"] = ["url", "website", "web", "sitio_web", "site", "pagina_web"],
        ["email"] = ["email", "e_mail", "mail", "correo", "correo_electronico", "courriel"],
        ["phones"] = ["phone", "phones", "telephone", "tel", "phone_number", "telefono", "telefone", "numero", "contact_phone"],
        ["languages"] = ["language", "languages", "idioma", "idiomas", "langue", "lingua"],
        ["minimum_age"] = ["minimum_age", "min_age", "age_min", "edad_minima"],
        ["maximum_age"] = ["maximum_age", "max_age", "age_max", "edad_maxima"],
        ["is_free"] = ["is_free", "free", "gratuito", "gratis"],
        ["available_24_7"] = ["available_24_7", "24_7", "24h", "open_24_7"],
        ["delivery_modes"] = ["delivery_modes", "delivery_mode", "modes", "modalidad"],
        ["audience"] = ["audience", "publico"],
        ["genders"] = ["genders", "gender", "genero"],
        ["platforms"] = ["platforms", "platform", "plataformas"],
        ["eligibility_description"] = ["eligibility_description", "eligibility"],
        ["fees_description"] = ["fees_description", "fees"],
        ["application_process"] = ["application_process"],
        ["interpretation_services"] = ["interpretation_services"],
        ["alert"] = ["alert"],
        ["assured_date"] = ["assured_date", "verified", "last_verified"],
        ["assurer_email"] = ["assurer_email"],
        ["last_modified"] = ["last_modified", "modified", "updated_at"],
        ["organization_id"] = ["organization_id", "organisation_id"],
        ["service_area"] = ["service_area", "service_areas", "region_codes", "area_served", "coverage", "cobertura", "area_de_cobertura", "zona_de_cobertura"],
        ["organization"] = ["organization", "organisation", "org", "organization_name", "provider", "agency", "institution", "institucion", "organizacion", "entidad"],
        ["location_id"] = ["location_id"],
        ["location_name"] = ["location_name", "site", "site_name", "sede"],
        ["location_type"] = ["location_type"],
        ["visibility"] = ["visibility", "visibilidad"],
        ["latitude"] = ["lat", "latitude", "latitud", "y"],
        ["longitude"] = ["lon", "lng", "long", "longitude", "longitud", "x"],
        ["coordinates"] = ["coordinates", "coords", "latlng", "lat_lng", "latlon", "coordenadas"],
        ["location_description"] = ["location_description"],
        ["transportation"] = ["transportation", "transport"],
        ["accessibility"] = ["accessibility", "accesibilidad"],
        ["address_1"] = ["address", "address_1", "address1", "street", "street_address", "direccion", "endereco", "adresse"],
        ["address_2"] = ["address_2", "address2"],
        ["city"] = ["city", "town", "ciudad", "cidade", "ville", "municipality", "municipio", "canton", "localidad"],
        ["region"] = ["region", "district", "distrito", "county", "condado", "comarca", "comte", "regiao"],
        ["state_province"] = ["state_province", "state", "province", "provincia", "estado_provincia", "departamento"],
        ["postal_code"] = ["postal_code", "postcode", "zip", "zip_code", "codigo_postal", "cep"],
        ["country"] = ["country", "country_code", "pais"],
        // The export's "source" column names the system a record came from; an import sets it with its own source option.
        [Ignore] = ["source"],

        // Settlement files (demand datasets) only.
        ["population"] = ["population", "pop", "poblacion", "populacao", "habitantes", "inhabitants"],
        ["settlement_class"] = ["settlement_class", "class", "degurba", "clase", "classe", "clase_asentamiento"],
        ["region_code"] = ["region_code", "admin_code", "admin1_code", "codigo_region", "cod_region"],
    });

    /// <summary>Targets only settlement files (demand datasets) have; a directory import ignores such columns.</summary>
    private static readonly string[] DemandTargets = ["population", "settlement_class", "region_code"];

    /// <summary>
    /// The field a header names, by the one alias table both imports share (directory rows and settlement files), or null:
    /// <c>Latitud</c> → latitude, <c>Población</c> → population, <c>nombre</c> → name.
    /// </summary>
    public static string? Recognise(string header) => Synonyms.GetValueOrDefault(Normalize(header));

    /// <summary>Reads a mapping file; throws <see cref="ImportInputException"/> with the problem.</summary>
    public static CsvMapping Parse(ReadOnlySpan<byte> json)
    {
        MappingFile? file;
        try
        {
            file = JsonSerializer.Deserialize<MappingFile>(json, Infrastructure.JsonSetup.Options);
        }
        catch (JsonException ex)
        {
            throw new ImportInputException($"mapping: not valid JSON ({ex.Message}).");
        }
        if (file is null)
        {
            throw new ImportInputException("mapping: the file must be a JSON object.");
        }
        var mapping = new CsvMapping
        {
            Columns = new(file.Columns ?? [], StringComparer.OrdinalIgnoreCase),
            Values = (file.Values ?? []).ToDictionary(v => Canonical(v.Key), v => new Dictionary<string, string>(v.Value ?? [], StringComparer.OrdinalIgnoreCase)),
            Defaults = (file.Defaults ?? []).ToDictionary(v => Canonical(v.Key), v => v.Value),
            Delimiter = file.Delimiter,
            ListSeparator = file.ListSeparator,
        };
        var unknown = mapping.Columns.Values.Select(Canonical).Concat(mapping.Values.Keys).Concat(mapping.Defaults.Keys)
            .Where(t => !Targets.Contains(t)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new ImportInputException($"mapping: unknown target field(s) {string.Join(", ", unknown.Select(u => $"'{u}'"))}; known: {string.Join(", ", Targets)}.");
        }
        if (mapping.Delimiter is { Length: not 1 } || mapping.Delimiter is "\"" or "\n" or "\r")
        {
            throw new ImportInputException("mapping: delimiter must be one character (such as , ; or a tab).");
        }
        if (mapping.ListSeparator is { Length: 0 })
        {
            throw new ImportInputException("mapping: list_separator must not be empty.");
        }
        return mapping with { Columns = mapping.Columns.ToDictionary(c => c.Key, c => Canonical(c.Value), StringComparer.OrdinalIgnoreCase) };
    }

    /// <summary>
    /// Which target each header fills (null for ignored columns), and notes about columns nobody recognised.
    /// </summary>
    public (string?[] Targets, List<string> Notes) Resolve(IReadOnlyList<string> header)
    {
        var targets = new string?[header.Count];
        var notes = new List<string>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i];
            string? target = Columns.TryGetValue(name, out var mapped) ? mapped
                : Synonyms.GetValueOrDefault(Normalize(name)) is { } known && !DemandTargets.Contains(known) ? known : null;
            if (target is null)
            {
                notes.Add($"column '{Infrastructure.FieldErrors.Clip(name)}' is not recognised and was ignored (map it in a mapping file).");
                continue;
            }
            if (target == Ignore)
            {
                continue;
            }
            if (!taken.Add(target))
            {
                notes.Add($"column '{Infrastructure.FieldErrors.Clip(name)}' also maps to {target}; only the first such column is read.");
                continue;
            }
            targets[i] = target;
        }
        return (targets, notes);
    }

    /// <summary>The value to import for <paramref name="target"/>: translated by <see cref="Values"/>, else as given.</summary>
    public string Translate(string target, string value) =>
        Values.TryGetValue(target, out var map) && map.TryGetValue(value.Trim(), out var translated) ? translated : value;

    public string Separator(char delimiter) => ListSeparator ?? (delimiter == ';' ? "|" : ";");

    private static string Canonical(string target) => Synonyms.GetValueOrDefault(Normalize(target)) ?? Normalize(target);

    /// <summary>Lower case, no accents, runs of spaces, dashes, dots and slashes as one underscore.</summary>
    internal static string Normalize(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.Trim().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (sb.Length > 0 && sb[^1] != '_')
            {
                sb.Append('_');
            }
        }
        return sb.ToString().TrimEnd('_');
    }

    private static Dictionary<string, string> BuildSynonyms(Dictionary<string, string[]> byTarget)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal) { [Ignore] = Ignore };
        foreach (var (target, names) in byTarget)
        {
            foreach (var name in names)
            {
                result[Normalize(name)] = target;
            }
        }
        return result;
    }

    private sealed record MappingFile(
        Dictionary<string, string>? Columns,
        Dictionary<string, Dictionary<string, string>?>? Values,
        Dictionary<string, string>? Defaults,
        string? Delimiter,
        string? ListSeparator);
}
