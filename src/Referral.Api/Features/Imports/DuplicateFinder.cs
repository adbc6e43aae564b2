using System.Globalization;
using System.Text;

namespace Referral.Api.Features.Imports;

/// <summary>
/// Probable duplicates within one input: records of a shared category within 50 m of each other with similar names
/// (trigram similarity ≥ 0.5, as pg_trgm computes it). Points go into a grid of cells about 55 m high, so each record
/// is compared with its neighbours only; the check is linear in the number of records.
/// </summary>
internal sealed class DuplicateFinder
{
    public const double Metres = 50;
    public const double Similarity = 0.5;

    private const double Cell = 0.0005;

    private readonly Dictionary<(int, int), List<Entry>> _grid = [];

    private sealed record Entry(double Lat, double Lon, string[] Categories, string Name, string Key, Origin Origin)
    {
        public HashSet<string>? Trigrams { get; set; }
    }

    /// <summary>Adds a located record; returns the earlier records it probably duplicates.</summary>
    public List<(string Key, Origin Origin, double Metres, string Name)> Add(double lat, double lon, string[] categories, string name, string key, Origin origin)
    {
        var found = new List<(string, Origin, double, string)>();
        var entry = new Entry(lat, lon, categories, name, key, origin);
        var (cy, cx) = CellOf(lat, lon);
        // Longitude cells shrink towards the poles: look far enough east and west to cover 50 m.
        var span = (int)Math.Ceiling(1 / Math.Max(Math.Cos(double.DegreesToRadians(lat)), 0.05));
        for (var dy = -1; dy <= 1; dy++)
        {
            for (var dx = -span; dx <= span; dx++)
            {
                if (!_grid.TryGetValue((cy + dy, cx + dx), out var cell))
                {
                    continue;
                }
                foreach (var other in cell)
                {
                    if (other.Key == key || !other.Categories.Intersect(categories, StringComparer.Ordinal).Any())
                    {
                        continue;
                    }
                    var metres = CountryOutlines.Haversine(lat, lon, other.Lat, other.Lon);
                    if (metres > Metres)
                    {
                        continue;
                    }
                    entry.Trigrams ??= Trigrams(name);
                    other.Trigrams ??= Trigrams(other.Name);
                    if (Jaccard(entry.Trigrams, other.Trigrams) >= Similarity)
                    {
                        found.Add((other.Key, other.Origin, metres, other.Name));
                    }
                }
            }
        }
        var own = CellOf(lat, lon);
        if (!_grid.TryGetValue(own, out var list))
        {
            _grid[own] = list = [];
        }
        list.Add(entry);
        return found;
    }

    private static (int, int) CellOf(double lat, double lon) => ((int)Math.Floor(lat / Cell), (int)Math.Floor(lon / Cell));

    private static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            return 0;
        }
        var common = a.Count(b.Contains);
        return (double)common / (a.Count + b.Count - common);
    }

    /// <summary>pg_trgm's trigrams: lower-case words of letters and digits, each padded with two spaces before and one after.</summary>
    internal static HashSet<string> Trigrams(string text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var plain = new StringBuilder();
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                plain.Append(char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : ' ');
            }
        }
        foreach (var word in plain.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var padded = "  " + word + " ";
            for (var i = 0; i + 3 <= padded.Length; i++)
            {
                set.Add(padded.Substring(i, 3));
            }
        }
        return set;
    }
}
