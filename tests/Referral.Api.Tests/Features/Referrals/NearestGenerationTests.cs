using System.Diagnostics;
using Referral.Api.Features.Referrals;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// The index's deltas in memory (no database): added entries come out merged with the trees' stream in distance order,
/// removed ones never come out, and when the added entries grow past a linear search the trees are rebuilt with the
/// same answers.
/// </summary>
public sealed class NearestGenerationTests
{
    private static readonly ServiceFilter Police = new() { Categories = ["police"], SameCountry = false };

    private static NearestGeneration.Entry Entry(Guid id) => new(id, 0, new NearestGeneration.Profile(null, null, null, null, [], [], [], [], [], []));

    // Sites due north of (0, 0), i × 1e-4 degree (≈ 11 m) away, ids with i in their last digits.
    private static Guid Id(int i) => Guid.Parse($"00000000-0000-4000-8000-{i:000000000000}");

    private static NearestGeneration.Row Row(int i, string category = "police") =>
        new(Id(i), Guid.NewGuid(), Guid.NewGuid(), i * 1e-4, 0, Entry(Id(i)), [category]);

    private static NearestGeneration Base(params int[] sites)
    {
        var builder = new NearestGeneration.Builder();
        foreach (var i in sites)
        {
            var r = Row(i, i % 2 == 0 ? "police" : "shelter");
            builder.Add(r.Id, r.ServiceId, r.LocationId, r.Lat, r.Lng, r.Entry, [.. r.Categories, "police"]);
        }
        return builder.Build("100:110:", Stopwatch.GetTimestamp())!;
    }

    [Fact]
    public void SmallDelta_MergesAddedByDistance_AndDropsRemoved()
    {
        var gen = Base(10, 20, 30, 40, 50);
        Assert.Equal([Id(10), Id(20), Id(30), Id(40), Id(50)], gen.Nearest(0, 0, Police, null));

        var next = gen.With("100:120:105", Stopwatch.GetTimestamp(), [Id(30)], [], [], [Row(25), Row(5), Row(60)])!;
        Assert.Same(gen.Base, next.Base);
        Assert.Equal("120", next.Xmax);
        Assert.Equal(["105"], next.Xip);
        Assert.Equal([Id(5), Id(10), Id(20), Id(25), Id(40), Id(50), Id(60)], next.Nearest(0, 0, Police, null));
        Assert.Equal(7, next.Count);
        // Within 250 m (plus the index's margin, 353 m): the farther ones are left out, the added included.
        Assert.Equal([Id(5), Id(10), Id(20), Id(25)], next.Nearest(0, 0, Police, 250));
        // The previous generation is unchanged.
        Assert.Equal([Id(10), Id(20), Id(30), Id(40), Id(50)], gen.Nearest(0, 0, Police, null));
    }

    [Fact]
    public void ManyAdded_RebuildTheTrees_WithTheSameAnswers()
    {
        var gen = Base(10, 20, 30);
        var rows = Enumerable.Range(1, NearestGeneration.MaxAdded + 1).Select(i => Row(100 + (i * 2))).ToList();
        var next = gen.With("100:130:", Stopwatch.GetTimestamp(), [Id(20)], [], [], rows)!;
        Assert.NotSame(gen.Base, next.Base);
        Assert.Equal(3 - 1 + rows.Count, next.Count);
        Assert.Equal([Id(10), Id(30), Id(102), Id(104)], next.Nearest(0, 0, Police, null).Take(4));
    }

    [Fact]
    public void ANewCategory_IsNotADelta()
    {
        var gen = Base(10, 20);
        Assert.Null(gen.With("100:130:", Stopwatch.GetTimestamp(), [Id(15)], [], [], [Row(15, "legal_aid")]));
    }

    [Fact]
    public void VariedEntries_ShareOneProfilePerDistinctValue_AndAnswerAsEachRowAlone()
    {
        // Thousands of entries drawn from small pools of values, every array a copy of its own (as Npgsql reads them).
        var random = new Random(15);
        T Pick<T>(T[] pool) => pool[random.Next(pool.Length)];
        string[][] languages = [[], ["es"], ["es", "en"], ["en"]];
        string[][] genders = [[], ["any"], ["female"], ["female", "male"]];
        string[][] modes = [[], ["in_person"], ["in_person", "phone"], ["phone"]];
        string[][] audiences = [[], ["children"], ["adolescents", "children"]];
        string?[][] addresses = [[], ["CR"], ["PA"], ["CR", null]];
        string[][] covering = [[], ["CR"], ["CR", "PA"]];
        short?[] ages = [null, 0, 6, 12, 18];
        bool?[] free = [null, true, false];
        DateOnly?[] assured = [null, new DateOnly(2020, 1, 1), new DateOnly(2026, 11, 1)];
        string[] categories = ["police", "shelter", "legal_aid"];
        var templates = Enumerable.Range(0, 60).Select(_ => new NearestGeneration.Profile(Pick(ages), Pick(ages), Pick(free), Pick(assured),
            Pick(languages), Pick(genders), Pick(modes), Pick(audiences), Pick(addresses), Pick(covering), random.Next(4) == 0)).ToArray();
        var rows = Enumerable.Range(1, 3000).Select(i =>
        {
            var t = Pick(templates);
            var profile = t with
            {
                Languages = [.. t.Languages],
                Genders = [.. t.Genders],
                DeliveryModes = [.. t.DeliveryModes],
                Audience = [.. t.Audience],
                AddressCountries = [.. t.AddressCountries],
                CoveringCountries = [.. t.CoveringCountries],
            };
            return new NearestGeneration.Row(Id(i), Guid.NewGuid(), Guid.NewGuid(), i * 1e-4, 0, new(Id(i), 0, profile), [Pick(categories)]);
        }).ToList();
        var builder = new NearestGeneration.Builder();
        foreach (var r in rows)
        {
            builder.Add(r.Id, r.ServiceId, r.LocationId, r.Lat, r.Lng, r.Entry, r.Categories);
        }
        var gen = builder.Build("100:110:", Stopwatch.GetTimestamp())!;

        // One profile object per distinct value, each entry's equal in value to its row's.
        static string Key(NearestGeneration.Profile p) => string.Join('|', p.MinimumAge, p.MaximumAge, p.IsFree, p.AssuredDate, p.Approximate,
            string.Join(',', p.Languages), string.Join(',', p.Genders), string.Join(',', p.DeliveryModes), string.Join(',', p.Audience),
            string.Join(',', p.AddressCountries.Select(c => c ?? "-")), string.Join(',', p.CoveringCountries));
        var entries = gen.Base.Entries;
        Assert.Equal(rows.Count, entries.Length);
        Assert.Equal(rows.Select(r => r.Id), entries.Select(e => e.Id));
        Assert.Equal(rows.Select(r => Key(r.Entry.Profile)), entries.Select(e => Key(e.Profile)));
        var distinct = rows.Select(r => Key(r.Entry.Profile)).Distinct().Count();
        Assert.True(distinct < rows.Count / 2, $"{distinct} distinct profiles: the pools are too large for this test");
        Assert.Equal(distinct, entries.Select(e => e.Profile).Distinct(ReferenceEqualityComparer.Instance).Count());

        // Every filter answers what each row's own columns answer (ServiceFilters.Eligible and Borders.In, spelled out here).
        var at = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        bool Eligible(NearestGeneration.Row r, ServiceFilter f)
        {
            var p = r.Entry.Profile;
            bool In(string country) => p.AddressCountries.Contains(country) || (p.AddressCountries.Length == 0 && p.CoveringCountries.All(c => c == country));
            return (f.Categories.Length == 0 || f.Categories.Intersect(r.Categories).Any())
                && (f.Language is null || p.Languages.Contains(f.Language))
                && (f.Age is null || ((p.MinimumAge is null || p.MinimumAge <= f.Age) && (p.MaximumAge is null || p.MaximumAge >= f.Age)))
                && (f.Gender is null || f.Gender == "any" || p.Genders.Contains("any") || p.Genders.Contains(f.Gender))
                && (f.Mode is null || p.DeliveryModes.Contains(f.Mode))
                && (f.Free is null || p.IsFree == f.Free)
                && (f.Audience is null || p.Audience.Length == 0 || p.Audience.Contains(f.Audience))
                && (!f.ExcludeStale || p.AssuredDate is null || p.AssuredDate >= Referral.Api.Infrastructure.Freshness.Cutoff(f.At))
                && (f.Country is null || In(f.Country))
                && (f.OutsideCountry is null || !In(f.OutsideCountry));
        }
        ServiceFilter[] filters =
        [
            new() { SameCountry = false },
            new() { Categories = ["shelter"], SameCountry = false },
            new() { Categories = ["police", "legal_aid"], Language = "en", SameCountry = false },
            new() { Categories = ["police"], Age = 6, Gender = "female", SameCountry = false },
            new() { Age = 12, Mode = "phone", Free = true, SameCountry = false },
            new() { Categories = ["legal_aid"], Audience = "children", Free = false, SameCountry = false },
            new() { ExcludeStale = true, At = at, Gender = "male", SameCountry = false },
            new() { Categories = ["shelter"], Country = "CR" },
            new() { OutsideCountry = "CR", Language = "es" },
            new() { Country = "PA", Age = 18, ExcludeStale = true, At = at },
        ];
        foreach (var f in filters)
        {
            Assert.Equal(rows.Where(r => Eligible(r, f)).Select(r => r.Id), gen.Nearest(0, 0, f, null));
            // A service's facts (the remote channels) share the profile's answer; countries are not a service's.
            var services = f with { Country = null, OutsideCountry = null };
            Assert.All(rows.Take(300), r => Assert.Equal(Eligible(r, services),
                gen.Eligible(new ServiceFacts(OpenHours.None, r.Entry.Profile, r.Categories, true), f)));
        }
    }

    [Fact]
    public void CardPreload_OnlyWhenEverySiteFitsTheCache()
    {
        var gen = Base(10, 20, 30, 40, 50);

        Assert.True(CardPreloader.Worthwhile(gen.Sites(), 5));
        Assert.True(CardPreloader.Worthwhile(gen.Sites(), 100_000));
        // One site more than the cache holds: the answers choose which cards it keeps.
        Assert.False(CardPreloader.Worthwhile(gen.Sites(), 4));
        var added = gen.With("100:120:105", Stopwatch.GetTimestamp(), [Id(60)], [], [], [Row(60)])!;
        Assert.False(CardPreloader.Worthwhile(added.Sites(), 5));
    }
}
