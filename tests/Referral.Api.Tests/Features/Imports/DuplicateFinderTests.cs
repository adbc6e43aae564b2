using Referral.Api.Features.Imports;

namespace Referral.Api.Tests.Features.Imports;

/// <summary>
/// The in-file duplicate check skips the records of the neighbouring cells that are certainly farther than 50 m with a
/// flat-earth bound instead of the haversine (issue 15, import speed). What it reports must stay what the plain walk
/// reports — the same duplicates with the same distances, in the same order, and the same count of crowded records —
/// including piles of records on one spot (more than <see cref="DuplicateFinder.MaxCompared"/> close records), pairs
/// just inside and just outside 50 m, and records of several categories or none. The plain walk is written out below as
/// the specification.
/// </summary>
public sealed class DuplicateFinderTests
{
    private static readonly string[] Categories = ["shelter", "health", "justice", "police", "helpline"];
    private static readonly string[] Words = ["Centro", "Oficina", "Casa", "Refugio", "de", "atención", "apoyo", "San", "José", "Miguel", "Niñez"];

    [Theory]
    [InlineData(1, 3000)]
    [InlineData(2, 3000)]
    [InlineData(3, 6000)]
    [InlineData(4, 6000)]
    public void Add_ReportsWhatThePlainWalkReports(int seed, int records)
    {
        var random = new Random(seed);
        var finder = new DuplicateFinder();
        var reference = new PlainWalk();
        for (var i = 0; i < records; i++)
        {
            // On a few piles (everything geocoded to a town's centre, a few metres apart), on a ring 45–55 m around the
            // first pile (pairs on both sides of the limit, in every direction), or spread over about 1 km.
            var pile = random.Next(4);
            var angle = random.NextDouble() * 2 * Math.PI;
            var ring = 45 + random.NextDouble() * 10;
            var (lat, lon) = random.Next(3) switch
            {
                0 => (9.93 + pile * 0.0003 + random.NextDouble() * 0.00005, -84.08 + random.NextDouble() * 0.00005),
                1 => (9.93 + ring * Math.Sin(angle) / 110_574, -84.08 + ring * Math.Cos(angle) / (111_320 * Math.Cos(double.DegreesToRadians(9.93)))),
                _ => (9.93 + random.NextDouble() * 0.01, -84.08 + random.NextDouble() * 0.01),
            };
            string[] categories = random.Next(10) switch
            {
                0 => [],
                1 => [Categories[random.Next(Categories.Length)], Categories[random.Next(Categories.Length)]],
                _ => [Categories[random.Next(2)]],
            };
            var name = string.Join(' ', Enumerable.Range(0, 2 + random.Next(3)).Select(_ => Words[random.Next(Words.Length)]));
            // Now and then a key again (a service on several rows of its own).
            var key = random.Next(20) == 0 && i > 0 ? "K" + random.Next(i) : "K" + i;
            var origin = new Origin("services.csv", i + 2);

            var expected = reference.Add(lat, lon, categories, name, key, origin);
            var actual = finder.Add(lat, lon, categories, name, key, origin);

            Assert.Equal(expected, actual);
        }
        Assert.Equal(reference.Crowded, finder.Crowded);
        Assert.True(finder.Crowded > 0, "the data should include crowded spots");
    }

    /// <summary>
    /// The check on every core (issue 15): the rows of the grid are dealt out in stripes to several finders. Whatever the
    /// number of parts and however the records come in batches, each record gets exactly what one finder walking the file
    /// gives it — here with every record within a few cells of a stripe's edge, so nearly every search reaches across one,
    /// on piles (crowded spots) straddling an edge, south of the equator (negative rows) and far north (wide searches).
    /// </summary>
    [Theory]
    [InlineData(1, 2, 9.928)]
    [InlineData(2, 3, 9.928)]
    [InlineData(3, 5, -33.448)]
    [InlineData(4, 2, 69.648)]
    [InlineData(5, 16, 9.928)]
    public void StripedAddAll_AnswersWhatOneFinderAnswers(int seed, int parts, double edge)
    {
        // edge is a multiple of StripedDuplicateFinder.Rows grid rows (0.008°): a stripe boundary.
        Assert.Equal(0, Math.Round(edge / 0.0005) % StripedDuplicateFinder.Rows);
        var random = new Random(seed);
        var single = new DuplicateFinder();
        var striped = new StripedDuplicateFinder(parts);
        var position = 0;
        for (var batch = 0; batch < 6; batch++)
        {
            var records = new List<DuplicateCandidate>();
            var count = random.Next(1, 1500);
            for (var i = 0; i < count; i++, position++)
            {
                // Within ±3 grid rows of the edge (or a pile on it), over about 200 m east–west.
                var pile = random.Next(4) == 0;
                var lat = edge + (random.NextDouble() - 0.5) * (pile ? 0.00004 : 0.003);
                var lon = -84.08 + random.NextDouble() * (pile ? 0.00004 : 0.002);
                string[] categories = random.Next(10) == 0 ? [] : [Categories[random.Next(2)]];
                var name = string.Join(' ', Enumerable.Range(0, 2 + random.Next(3)).Select(_ => Words[random.Next(Words.Length)]));
                var key = random.Next(20) == 0 && position > 0 ? "K" + random.Next(position) : "K" + position;
                records.Add(new DuplicateCandidate(lat, lon, categories, name, key, new Origin("services.csv", position + 2)));
            }

            var actual = striped.AddAll(records);

            for (var i = 0; i < records.Count; i++)
            {
                var r = records[i];
                Assert.Equal(single.Add(r.Lat, r.Lon, r.Categories, r.Name, r.Key, r.Origin), actual[i]);
            }
        }
        Assert.Equal(single.Crowded, striped.Crowded);
        Assert.True(single.Crowded > 0, "the data should include crowded spots");
    }

    /// <summary>The check as first written: every record of every neighbouring cell, newest first, filtered one by one.</summary>
    private sealed class PlainWalk
    {
        private readonly Dictionary<(int, int), List<(double Lat, double Lon, string[] Categories, string Name, string Key, Origin Origin)>> _grid = [];

        public long Crowded { get; private set; }

        public List<(string Key, Origin Origin, double Metres, string Name)> Add(double lat, double lon, string[] categories, string name, string key, Origin origin)
        {
            var found = new List<(string Key, Origin Origin, double Metres, string Name)>();
            var (cy, cx) = CellOf(lat, lon);
            var span = (int)Math.Ceiling(1 / Math.Max(Math.Cos(double.DegreesToRadians(lat)), 0.05));
            var compared = 0;
            for (var dy = -1; dy <= 1 && compared < DuplicateFinder.MaxCompared; dy++)
            {
                for (var dx = -span; dx <= span && compared < DuplicateFinder.MaxCompared; dx++)
                {
                    if (!_grid.TryGetValue((cy + dy, cx + dx), out var cell))
                    {
                        continue;
                    }
                    for (var i = cell.Count - 1; i >= 0; i--)
                    {
                        var other = cell[i];
                        if (other.Key == key || !other.Categories.Intersect(categories, StringComparer.Ordinal).Any())
                        {
                            continue;
                        }
                        var metres = CountryOutlines.Haversine(lat, lon, other.Lat, other.Lon);
                        if (metres > DuplicateFinder.Metres)
                        {
                            continue;
                        }
                        if (++compared > DuplicateFinder.MaxCompared)
                        {
                            Crowded++;
                            break;
                        }
                        if (Similarity(DuplicateFinder.Trigrams(name), DuplicateFinder.Trigrams(other.Name)) >= DuplicateFinder.Similarity)
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
            list.Add((lat, lon, categories, name, key, origin));
            if (found.Count > DuplicateFinder.MaxReported)
            {
                found.Sort((a, b) => a.Metres.CompareTo(b.Metres));
                found.RemoveRange(DuplicateFinder.MaxReported, found.Count - DuplicateFinder.MaxReported);
            }
            return found;
        }

        private static (int, int) CellOf(double lat, double lon) => ((int)Math.Floor(lat / 0.0005), (int)Math.Floor(lon / 0.0005));

        private static double Similarity(long[] a, long[] b)
        {
            if (a.Length == 0 || b.Length == 0)
            {
                return 0;
            }
            var common = a.Intersect(b).Count();
            return (double)common / (a.Length + b.Length - common);
        }
    }

    /// <summary>
    /// The trigrams are read in one pass; they must be those of pg_trgm's rule as written out plainly below (lower-case
    /// words of letters and digits, accents dropped, each padded with two spaces before and one after, sorted, distinct).
    /// </summary>
    [Fact]
    public void Trigrams_AreThoseOfThePlainRule()
    {
        var random = new Random(7);
        string[] texts =
        [
            "", " ", "a", "ab", "abc", "  Casa   de  la   Niñez ", "Oficina de atención San José 12", "CAFÉ café Cafe", "x-y_z/9·8",
            "Ärzte für Kinder", "İstanbul ǅemal", "ǆ Ǆ ǅ", "Łódź Straße", "数字 123 abc", "emoji 😀 here", "tab\tnewline\nend.", "aaaa aaaa",
            new string('é', 200), string.Join(" ", Enumerable.Repeat("Centro", 40)),
        ];
        var generated = Enumerable.Range(0, 500).Select(_ => string.Join(random.Next(2) == 0 ? " " : ", ",
            Enumerable.Range(0, random.Next(1, 12)).Select(_ => Words[random.Next(Words.Length)] + (random.Next(5) == 0 ? random.Next(100).ToString() : ""))));
        foreach (var text in texts.Concat(generated))
        {
            Assert.Equal(PlainTrigrams(text), DuplicateFinder.Trigrams(text));
        }
    }

    private static long[] PlainTrigrams(string text)
    {
        var plain = new System.Text.StringBuilder();
        foreach (var c in text.Normalize(System.Text.NormalizationForm.FormD))
        {
            if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                plain.Append(char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : ' ');
            }
        }
        var set = new SortedSet<long>();
        foreach (var word in plain.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var padded = "  " + word + " ";
            for (var i = 0; i + 3 <= padded.Length; i++)
            {
                set.Add(((long)padded[i] << 32) | ((long)padded[i + 1] << 16) | padded[i + 2]);
            }
        }
        return [.. set];
    }
}
