using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.Features.Regions;

/// <summary>How many region codes of an import the directory knows, maps from another scheme, or cannot place.</summary>
internal sealed record RegionCodeReport(int Known, int Mapped, int Unknown, IReadOnlyList<string> MappedExamples, IReadOnlyList<string> UnknownExamples);

/// <summary>
/// Region codes as the directory holds them (table <c>region</c>), reached from the schemes settlement and facility files
/// use: the code itself (any case), ISO 3166-1 alpha-3 (KEN → KE), ISO 3166-2 (CR-SJ; also with '_' or a space), and
/// GeoNames admin-1 keys (CR.08 → CR-SJ) through the gazetteer's provinces table (seed/provinces.csv, embedded). A code
/// maps only to a region the directory has: anything else is unknown, and counts by its point alone.
/// </summary>
internal sealed class RegionCodes
{
    /// <summary>
    /// Coarse outlines (Natural Earth) cut coasts: a point this close outside a country still counts as in it — the
    /// import's default <c>border_tolerance_km</c> (CountryOutlines), so a coastal town is placed as its facilities are.
    /// </summary>
    public const double CoastalToleranceKm = 5;

    private const int MaxExamples = 5;

    // ISO 3166-1 alpha-3 then alpha-2, 249 countries.
    private const string Alpha3Table = "ABWAW AFGAF AGOAO AIAAI ALAAX ALBAL ANDAD AREAE ARGAR ARMAM ASMAS ATAAQ ATFTF ATGAG AUSAU AUTAT AZEAZ BDIBI BELBE BENBJ BESBQ BFABF BGDBD BGRBG BHRBH BHSBS BIHBA BLMBL BLRBY BLZBZ BMUBM BOLBO BRABR BRBBB BRNBN BTNBT BVTBV BWABW CAFCF CANCA CCKCC CHECH CHLCL CHNCN CIVCI CMRCM CODCD COGCG COKCK COLCO COMKM CPVCV CRICR CUBCU CUWCW CXRCX CYMKY CYPCY CZECZ DEUDE DJIDJ DMADM DNKDK DOMDO DZADZ ECUEC EGYEG ERIER ESHEH ESPES ESTEE ETHET FINFI FJIFJ FLKFK FRAFR FROFO FSMFM GABGA GBRGB GEOGE GGYGG GHAGH GIBGI GINGN GLPGP GMBGM GNBGW GNQGQ GRCGR GRDGD GRLGL GTMGT GUFGF GUMGU GUYGY HKGHK HMDHM HNDHN HRVHR HTIHT HUNHU IDNID IMNIM INDIN IOTIO IRLIE IRNIR IRQIQ ISLIS ISRIL ITAIT JAMJM JEYJE JORJO JPNJP KAZKZ KENKE KGZKG KHMKH KIRKI KNAKN KORKR KWTKW LAOLA LBNLB LBRLR LBYLY LCALC LIELI LKALK LSOLS LTULT LUXLU LVALV MACMO MAFMF MARMA MCOMC MDAMD MDGMG MDVMV MEXMX MHLMH MKDMK MLIML MLTMT MMRMM MNEME MNGMN MNPMP MOZMZ MRTMR MSRMS MTQMQ MUSMU MWIMW MYSMY MYTYT NAMNA NCLNC NERNE NFKNF NGANG NICNI NIUNU NLDNL NORNO NPLNP NRUNR NZLNZ OMNOM PAKPK PANPA PCNPN PERPE PHLPH PLWPW PNGPG POLPL PRIPR PRKKP PRTPT PRYPY PSEPS PYFPF QATQA REURE ROURO RUSRU RWARW SAUSA SDNSD SENSN SGPSG SGSGS SHNSH SJMSJ SLBSB SLESL SLVSV SMRSM SOMSO SPMPM SRBRS SSDSS STPST SURSR SVKSK SVNSI SWESE SWZSZ SXMSX SYCSC SYRSY TCATC TCDTD TGOTG THATH TJKTJ TKLTK TKMTM TLSTL TONTO TTOTT TUNTN TURTR TUVTV TWNTW TZATZ UGAUG UKRUA UMIUM URYUY USAUS UZBUZ VATVA VCTVC VENVE VGBVG VIRVI VNMVN VUTVU WLFWF WSMWS YEMYE ZAFZA ZMBZM ZWEZW";

    private static readonly Dictionary<string, string> Alpha3 = Alpha3Table.Split(' ')
        .ToDictionary(x => x[..3], x => x[3..], StringComparer.Ordinal);

    private static readonly Lazy<Dictionary<string, string>> GeoNamesAdmin1 = new(LoadProvinces);

    /// <summary>Upper-cased code → the code as stored.</summary>
    private readonly Dictionary<string, string> _known;

    public RegionCodes(IEnumerable<string> known)
    {
        _known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var code in known)
        {
            _known.TryAdd(code.ToUpperInvariant(), code);
        }
    }

    public static async Task<RegionCodes> LoadAsync(ReferralDbContext db, CancellationToken ct) =>
        new(await db.Regions.AsNoTracking().Select(r => r.Code).ToListAsync(ct));

    /// <summary>The ISO 3166-1 alpha-2 code of an alpha-3 one (KEN → KE), or null.</summary>
    public static string? Alpha2Of(string alpha3) => Alpha3.GetValueOrDefault(alpha3.Trim().ToUpperInvariant());

    /// <summary>The directory's code for <paramref name="raw"/> in any known scheme, or null when the directory has no such region.</summary>
    public string? Resolve(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        var code = raw.Trim().Trim('"').ToUpperInvariant();
        if (_known.TryGetValue(code, out var stored))
        {
            return stored;
        }
        foreach (var candidate in Candidates(code))
        {
            if (_known.TryGetValue(candidate, out stored))
            {
                return stored;
            }
        }
        return null;
    }

    /// <summary>Resolves every distinct code of an import: counts and a few examples of mapped and unknown codes.</summary>
    public RegionCodeReport Check(IEnumerable<string?> raws)
    {
        var (known, mapped, unknown) = (0, 0, 0);
        var mappedExamples = new SortedSet<string>(StringComparer.Ordinal);
        var unknownExamples = new SortedSet<string>(StringComparer.Ordinal);
        var cache = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var raw in raws)
        {
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }
            if (!cache.TryGetValue(raw, out var code))
            {
                cache[raw] = code = Resolve(raw);
            }
            if (code is null)
            {
                unknown++;
                if (unknownExamples.Count < MaxExamples)
                {
                    unknownExamples.Add(raw);
                }
            }
            else if (string.Equals(code, raw.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                known++;
            }
            else
            {
                mapped++;
                if (mappedExamples.Count < MaxExamples)
                {
                    mappedExamples.Add($"{raw} → {code}");
                }
            }
        }
        return new RegionCodeReport(known, mapped, unknown, [.. mappedExamples], [.. unknownExamples]);
    }

    /// <summary>A sentence for an import report, or null when every code is the directory's own.</summary>
    public static string? Warning(RegionCodeReport r)
    {
        var parts = new List<string>();
        if (r.Mapped > 0)
        {
            parts.Add($"{r.Mapped} region codes were read as the directory's codes ({string.Join(", ", r.MappedExamples)})");
        }
        if (r.Unknown > 0)
        {
            parts.Add($"{r.Unknown} region codes match no region of the directory (e.g. {string.Join(", ", r.UnknownExamples)}): "
                + "those settlements are placed by their point in the region outlines, and a service area by region code does not reach them "
                + "unless their point lies in that region");
        }
        return parts.Count == 0 ? null : string.Join("; ", parts) + ".";
    }

    /// <summary>What an upper-cased code could be in the directory's scheme, in order.</summary>
    private static IEnumerable<string> Candidates(string code)
    {
        if (code.Length == 3 && Alpha3.TryGetValue(code, out var alpha2))
        {
            yield return alpha2;
        }
        var dot = code.IndexOf('.', StringComparison.Ordinal);
        if (dot == 2 && GeoNamesAdmin1.Value.TryGetValue(code, out var province))
        {
            yield return province;
        }
        var dashed = code.Replace('_', '-').Replace(' ', '-');
        if (dashed != code)
        {
            yield return dashed;
        }
        // ISO 3166-2 written with the alpha-3 country: KEN-30 → KE-30.
        if (dashed.Length > 4 && dashed[3] == '-' && Alpha3.TryGetValue(dashed[..3], out var country))
        {
            yield return country + dashed[3..];
        }
    }

    /// <summary>GeoNames admin-1 key (CR.08) → ISO 3166-2 code, from the embedded seed/provinces.csv.</summary>
    private static Dictionary<string, string> LoadProvinces()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("provinces.csv");
        if (stream is null)
        {
            return result;
        }
        using var reader = new StreamReader(stream);
        var header = reader.ReadLine()?.Split(',') ?? [];
        var (code, country, admin1) = (Array.IndexOf(header, "code"), Array.IndexOf(header, "country"), Array.IndexOf(header, "geonames_admin1"));
        if (code < 0 || country < 0 || admin1 < 0)
        {
            return result;
        }
        while (reader.ReadLine() is { } line)
        {
            var cells = line.Split(',');
            if (cells.Length > Math.Max(code, Math.Max(country, admin1)) && cells[admin1].Length > 0)
            {
                result.TryAdd($"{cells[country].Trim().ToUpperInvariant()}.{cells[admin1].Trim().ToUpperInvariant()}", cells[code].Trim());
            }
        }
        return result;
    }
}
