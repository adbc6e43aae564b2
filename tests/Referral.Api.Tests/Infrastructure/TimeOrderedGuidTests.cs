using Referral.Api.Infrastructure;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// The import makes its ids with <see cref="TimeOrderedGuid"/> instead of <see cref="Guid.CreateVersion7()"/> (one system
/// call per id on Linux). They must be what <see cref="Guid.CreateVersion7()"/> makes: RFC 9562 version 7, the variant
/// bits, the time in the first 48 bits, and random bits that differ from id to id across many blocks and threads.
/// </summary>
public sealed class TimeOrderedGuidTests
{
    [Fact]
    public void Create_IsVersion7WithTheTimeAndTheRfcVariant_LikeGuidCreateVersion7()
    {
        var at = new DateTimeOffset(2026, 12, 6, 14, 15, 16, 789, TimeSpan.Zero);
        var ours = TimeOrderedGuid.Create(at);
        var framework = Guid.CreateVersion7(at);

        Assert.Equal(7, ours.Version);
        Assert.Equal(framework.Version, ours.Version);
        // RFC 9562 variant: the top two bits of the variant nibble are 10 (the other two are random).
        Assert.Equal(0b10, ours.Variant >> 2);
        Assert.Equal(framework.Variant >> 2, ours.Variant >> 2);
        var bytes = ours.ToByteArray(bigEndian: true);
        var millis = 0L;
        for (var i = 0; i < 6; i++)
        {
            millis = (millis << 8) | bytes[i];
        }
        Assert.Equal(at.ToUnixTimeMilliseconds(), millis);
        // The same leading 48 bits and version nibble as the framework's id for the same instant.
        Assert.Equal(framework.ToString()[..14], ours.ToString()[..14]);
    }

    [Fact]
    public void Create_ManyIdsOnSeveralThreads_AreAllDistinct_AndOrderedByTime()
    {
        const int PerThread = TimeOrderedGuid.IdsPerBlock * 20 + 7;
        var ids = new Guid[4][];
        Parallel.For(0, ids.Length, t =>
        {
            ids[t] = new Guid[PerThread];
            for (var i = 0; i < PerThread; i++)
            {
                ids[t][i] = TimeOrderedGuid.Create();
            }
        });
        var all = ids.SelectMany(x => x).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(all, id => Assert.Equal(7, id.Version));
        // Random bits, not a counter: the low 64 bits of consecutive ids share no fixed pattern.
        var low = all.Select(id => BitConverter.ToUInt64(id.ToByteArray(bigEndian: true), 8) & 0x3FFF_FFFF_FFFF_FFFF).ToList();
        Assert.Equal(low.Count, low.Distinct().Count());
        Assert.InRange(low.Average(v => (double)System.Numerics.BitOperations.PopCount(v)), 28, 34);
        var later = TimeOrderedGuid.Create(DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.All(all, id => Assert.True(string.CompareOrdinal(id.ToString(), later.ToString()) < 0));
    }
}
