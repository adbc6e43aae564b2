using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>verification_status from assured_date (stale after 365 days by default), and filters that leave stale records out.</summary>
public sealed class FreshnessTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task VerificationStatus_AndExcludeStale_OnListsAndNearest()
    {
        var org = await TestData.CreateOrganizationAsync(Client);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        foreach (var (name, assured) in new[] { ("fresh", (DateOnly?)today.AddDays(-30)), ("edge", today.AddDays(-365)), ("stale", today.AddDays(-366)), ("never", null) })
        {
            var doc = TestData.Service(org, name);
            if (assured is { } d)
            {
                doc["assured_date"] = d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            }
            await TestData.CreateServiceAsync(Client, doc);
        }

        var all = await Public.GetFromJsonAsync<JsonElement>("/api/services");
        var notStale = await Public.GetFromJsonAsync<JsonElement>("/api/services?exclude_stale=true");
        var nearest = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=9.93&lng=-84.08&exclude_stale=true");

        var statuses = all.GetProperty("contents").EnumerateArray().ToDictionary(
            s => s.GetProperty("name").GetString()!, s => s.GetProperty("verification_status").GetString());
        Assert.Equal("verified", statuses["fresh"]);
        Assert.Equal("verified", statuses["edge"]);
        Assert.Equal("stale", statuses["stale"]);
        Assert.Equal("unverified", statuses["never"]);
        Assert.Equal(["edge", "fresh", "never"], notStale.GetProperty("contents").EnumerateArray().Select(s => s.GetProperty("name").GetString()).Order());
        Assert.Equal(3, nearest.GetProperty("results").GetArrayLength());
    }
}
