using System.Globalization;
using System.Text;

namespace Referral.Api.Features.Imports;

/// <summary>
/// Probable duplicates within one input: records of a shared category within 50 m of each other with similar names
/// (trigram similarity ≥ 0.5, as pg_trgm computes it). Points go into a grid of cells about 55 m high, so each record
/// is compared with its neighbours only. Real files pile records up on one spot (everything geocoded to a town's
/// centre): there each record is compared with at most <see cref="MaxCompared"/> close neighbours of its category and
/// reports at most <see cref="MaxReported"/> of them, so the check stays linear; <see cref="Crowded"/> counts the
/// records where the limit was reached, and the report says so.
/// </summary>
internal sealed class DuplicateFinder
{
    public const double Metres = 50;
    public const double Similarity = 0.5;
    public const int MaxCompared = 200;
    public const int MaxReported = 3;

    private const double Cell = 0.0005;

    private readonly Dictionary<(int, int), List<Entry>> _grid = [];

    /// <summary>Records whose neighbourhood held more close records of their category than were compared.</summary>
    public long Crowded { get; private set; }

    private sealed record Entry(double Lat, double Lon, string[] Categories, string Name, string Key, Origin Origin)
    {
        public long[]? Trigrams { get; set; }

        /// <summary>Cosine of the latitude, for <see cref="SurelyFarther"/>.</summary>
        public double CosLat { get; } = Math.Cos(double.DegreesToRadians(Lat));
    }

    /// <summary>Metres per degree along a great circle of the sphere <see cref="CountryOutlines.Haversine"/> uses.</summary>
    private const double MetresPerDegree = 6_371_008.8 * Math.PI / 180;

    /// <summary>
    /// True when two points are certainly more than <see cref="Metres"/> apart, without the haversine's trigonometry: the
    /// flat-earth distance, with the smaller of the two latitudes' cosines, differs from the great-circle distance by far
    /// less than a part in a thousand at these distances; beyond 1 % more than the limit it is farther for certain, and
    /// anything closer still gets the haversine. Most records of the neighbouring cells are skipped here.
    /// </summary>
    private static bool SurelyFarther(Entry a, Entry b)
    {
        var north = (a.Lat - b.Lat) * MetresPerDegree;
        var east = (a.Lon - b.Lon) * MetresPerDegree * Math.Min(a.CosLat, b.CosLat);
        const double Limit = Metres * 1.01;
        return north * north + east * east > Limit * Limit;
    }

    /// <summary>
    /// Puts a located record in the grid without looking for its duplicates: <see cref="StripedDuplicateFinder"/> gives each
    /// stripe the records of the rows just outside it, which its own records' searches must see.
    /// </summary>
    public void Insert(double lat, double lon, string[] categories, string name, string key, Origin origin) =>
        Place(new Entry(lat, lon, categories, name, key, origin));

    private void Place(Entry entry)
    {
        var own = CellOf(entry.Lat, entry.Lon);
        if (!_grid.TryGetValue(own, out var list))
        {
            _grid[own] = list = [];
        }
        list.Add(entry);
    }

    /// <summary>The grid row of a latitude: a record's search looks at its own row and the rows just above and below.</summary>
    internal static int RowOf(double lat) => (int)Math.Floor(lat / Cell);

    /// <summary>Adds a located record; returns the earlier records it probably duplicates (the closest few).</summary>
    public List<(string Key, Origin Origin, double Metres, string Name)> Add(double lat, double lon, string[] categories, string name, string key, Origin origin)
    {
        var found = new List<(string Key, Origin Origin, double Metres, string Name)>();
        var entry = new Entry(lat, lon, categories, name, key, origin);
        var (cy, cx) = CellOf(lat, lon);
        // Longitude cells shrink towards the poles: look far enough east and west to cover 50 m.
        var span = (int)Math.Ceiling(1 / Math.Max(Math.Cos(double.DegreesToRadians(lat)), 0.05));
        var compared = 0;
        for (var dy = -1; dy <= 1 && compared < MaxCompared; dy++)
        {
            for (var dx = -span; dx <= span && compared < MaxCompared; dx++)
            {
                if (!_grid.TryGetValue((cy + dy, cx + dx), out var cell))
                {
                    continue;
                }
                // Newest first: in a pile-up the latest records are as good as any, and the scan stops early.
                for (var i = cell.Count - 1; i >= 0; i--)
                {
                    var other = cell[i];
                    if (other.Key == key || SurelyFarther(entry, other) || !SharesCategory(other.Categories, categories))
                    {
                        continue;
                    }
                    var metres = CountryOutlines.Haversine(lat, lon, other.Lat, other.Lon);
                    if (metres > Metres)
                    {
                        continue;
                    }
                    if (++compared > MaxCompared)
                    {
                        Crowded++;
                        break;
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
        Place(entry);
        if (found.Count > MaxReported)
        {
            found.Sort((a, b) => a.Metres.CompareTo(b.Metres));
            found.RemoveRange(MaxReported, found.Count - MaxReported);
        }
        return found;
    }

    private static bool SharesCategory(string[] a, string[] b)
    {
        foreach (var x in a)
        {
            foreach (var y in b)
            {
                if (string.Equals(x, y, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static (int, int) CellOf(double lat, double lon) => (RowOf(lat), (int)Math.Floor(lon / Cell));

    /// <summary>Jaccard similarity of two sorted, distinct trigram sets.</summary>
    private static double Jaccard(long[] a, long[] b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return 0;
        }
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                common++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }
        return (double)common / (a.Length + b.Length - common);
    }

    /// <summary>
    /// pg_trgm's trigrams (as sorted distinct codes): lower-case words of letters and digits, each padded with two spaces
    /// before and one after. Read in one pass, without building the words: each letter closes the trigram of the two
    /// before it, and each word's end closes one with the trailing space.
    /// </summary>
    internal static long[] Trigrams(string text)
    {
        var plain = text.Normalize(NormalizationForm.FormD);
        // At most one trigram per letter and one per word's end.
        Span<long> codes = plain.Length <= 128 ? stackalloc long[2 * plain.Length] : new long[2 * plain.Length];
        var count = 0;
        char a = ' ', b = ' ';
        var inWord = false;
        foreach (var c in plain)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }
            if (char.IsLetterOrDigit(c))
            {
                var lower = char.ToLowerInvariant(c);
                codes[count++] = Code(a, b, lower);
                (a, b, inWord) = (b, lower, true);
            }
            else if (inWord)
            {
                codes[count++] = Code(a, b, ' ');
                (a, b, inWord) = (' ', ' ', false);
            }
        }
        if (inWord)
        {
            codes[count++] = Code(a, b, ' ');
        }
        var found = codes[..count];
        found.Sort();
        var distinct = 0;
        for (var i = 0; i < found.Length; i++)
        {
            if (i == 0 || found[i] != found[distinct - 1])
            {
                found[distinct++] = found[i];
            }
        }
        return found[..distinct].ToArray();

        // Three UTF-16 units packed in one number.
        static long Code(char x, char y, char z) => ((long)x << 32) | ((long)y << 16) | z;
    }
}

/// <summary>A located record for the in-file duplicate check, in file order.</summary>
internal readonly record struct DuplicateCandidate(double Lat, double Lon, string[] Categories, string Name, string Key, Origin Origin);

/// <summary>
/// The in-file duplicate check on every core, with exactly the answers of one <see cref="DuplicateFinder"/> fed the same
/// records in the same order. A record's search only looks at its own grid row and the rows just above and below (the
/// east–west reach grows towards the poles, the north–south reach does not), so the rows are dealt out in stripes of
/// <see cref="Rows"/> rows to <c>parts</c> finders: each walks all the records in file order, searches and adds the
/// records of its own stripes, and only adds (without searching) the records of the row just outside each of its
/// stripes. Every search thus sees the same earlier records in the same order as in the single finder, and each record
/// is searched by exactly one part. The finders keep their records from batch to batch, as the single finder does.
/// </summary>
internal sealed class StripedDuplicateFinder
{
    /// <summary>Grid rows per stripe (about 890 m): one row on each side is copied into the neighbouring part.</summary>
    public const int Rows = 16;

    private readonly DuplicateFinder[] _parts;

    public StripedDuplicateFinder(int parts)
    {
        _parts = new DuplicateFinder[Math.Max(1, parts)];
        for (var i = 0; i < _parts.Length; i++)
        {
            _parts[i] = new DuplicateFinder();
        }
    }

    /// <summary>Records whose neighbourhood held more close records of their category than were compared (all parts).</summary>
    public long Crowded => _parts.Sum(p => p.Crowded);

    /// <summary>Adds the records in order; returns, for each, what <see cref="DuplicateFinder.Add"/> would have returned.</summary>
    public List<(string Key, Origin Origin, double Metres, string Name)>[] AddAll(IReadOnlyList<DuplicateCandidate> records)
    {
        var found = new List<(string Key, Origin Origin, double Metres, string Name)>[records.Count];
        var rows = new int[records.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = DuplicateFinder.RowOf(records[i].Lat);
        }
        Parallel.For(0, _parts.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, part =>
        {
            var finder = _parts[part];
            for (var i = 0; i < rows.Length; i++)
            {
                var row = rows[i];
                var r = records[i];
                if (PartOf(row) == part)
                {
                    found[i] = finder.Add(r.Lat, r.Lon, r.Categories, r.Name, r.Key, r.Origin);
                }
                else if (PartOf(row - 1) == part || PartOf(row + 1) == part)
                {
                    finder.Insert(r.Lat, r.Lon, r.Categories, r.Name, r.Key, r.Origin);
                }
            }
        });
        return found;
    }

    private int PartOf(int row)
    {
        var stripe = Math.DivRem(row, Rows, out var within);
        if (within < 0)
        {
            stripe--;
        }
        var part = stripe % _parts.Length;
        return part < 0 ? part + _parts.Length : part;
    }
}
