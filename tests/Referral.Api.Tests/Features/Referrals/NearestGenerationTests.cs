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

    private static NearestGeneration.Entry Entry(Guid id) => new(id, 0, null, null, null, null, [], [], [], [], [], []);

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
}
