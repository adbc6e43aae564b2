using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>Open-now is evaluated in each service's own time zone, including windows that run past midnight.</summary>
public sealed class OpenNowTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const double Lat = 9.9, Lng = -84.1;

    private async Task AddAsync(string name, double offset, Action<JsonObject> change)
    {
        var org = await TestData.CreateOrganizationAsync(Client, "org " + name);
        var doc = TestData.Service(org, name, Lat + offset, Lng);
        change(doc);
        await TestData.CreateServiceAsync(Client, doc);
    }

    private static JsonArray Schedule(string byday, string opens, string closes, string zone) =>
        new(new JsonObject { ["byday"] = byday, ["opens_at"] = opens, ["closes_at"] = closes, ["time_zone"] = zone });

    private async Task<string[]> OpenNamesAsync(string at)
    {
        var open = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?lat={Lat}&lng={Lng}&limit=50&at={Uri.EscapeDataString(at)}");
        return [.. open.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()!).Order()];
    }

    [Fact]
    public async Task At_EvaluatesEachServiceInItsOwnTimeZone()
    {
        await AddAsync("San José office", 0.001, d => d["schedules"] = Schedule("MO,TU,WE,TH,FR", "08:00", "16:00", "America/Costa_Rica"));
        await AddAsync("Tokyo office", 0.002, d => d["schedules"] = Schedule("MO,TU,WE,TH,FR", "08:00", "16:00", "Asia/Tokyo"));

        // Monday 30 Nov 2026, 15:00 UTC = 09:00 in Costa Rica (UTC-6) = Tuesday 00:00 in Tokyo (UTC+9).
        Assert.Equal(["San José office"], await OpenNamesAsync("2026-11-30T15:00:00Z"));
        // Monday 01:00 UTC = Monday 10:00 in Tokyo = Sunday 19:00 in Costa Rica.
        Assert.Equal(["Tokyo office"], await OpenNamesAsync("2026-11-30T01:00:00Z"));
        // The same instant written with a Costa Rica offset.
        Assert.Equal(["San José office"], await OpenNamesAsync("2026-11-30T09:00:00-06:00"));
        // Closing time is exclusive: 16:00 local is closed, 15:59 open.
        Assert.Empty(await OpenNamesAsync("2026-11-30T22:00:00Z"));
        Assert.Equal(["San José office"], await OpenNamesAsync("2026-11-30T21:59:00Z"));
    }

    [Fact]
    public async Task At_WindowPastMidnight_BelongsToTheDayItOpened()
    {
        await AddAsync("Friday night chat", 0.001, d => d["schedules"] = Schedule("FR", "20:00", "02:00", "America/Costa_Rica"));

        // Friday 4 Dec 2026, 23:00 local (05:00Z Saturday): open.
        Assert.Equal(["Friday night chat"], await OpenNamesAsync("2026-12-04T23:00:00-06:00"));
        // Saturday 01:30 local: still the Friday window.
        Assert.Equal(["Friday night chat"], await OpenNamesAsync("2026-12-05T01:30:00-06:00"));
        // Saturday 02:00 local: closed. Friday 01:00 local belongs to Thursday's (absent) window: closed.
        Assert.Empty(await OpenNamesAsync("2026-12-05T02:00:00-06:00"));
        Assert.Empty(await OpenNamesAsync("2026-12-04T01:00:00-06:00"));
        // Saturday 20:30: no Saturday window.
        Assert.Empty(await OpenNamesAsync("2026-12-05T20:30:00-06:00"));
    }

    [Fact]
    public async Task At_ClosesAt2359_OpenUntilMidnight()
    {
        await AddAsync("Monday evening line", 0.001, d => d["schedules"] = Schedule("MO", "18:00", "23:59", "America/Costa_Rica"));

        // Monday 30 Nov 2026, local time: 23:59 written as the end of the day means open through the last minute.
        Assert.Equal(["Monday evening line"], await OpenNamesAsync("2026-11-30T23:58:59-06:00"));
        Assert.Equal(["Monday evening line"], await OpenNamesAsync("2026-11-30T23:59:30-06:00"));
        // Tuesday 00:00: closed (no Tuesday window, and the Monday window does not run past midnight).
        Assert.Empty(await OpenNamesAsync("2026-12-01T00:00:00-06:00"));
        Assert.Empty(await OpenNamesAsync("2026-11-30T17:59:59-06:00"));
    }

    [Fact]
    public async Task OpenNow_TwentyFourSevenAlwaysOpen_NoScheduleUnknownAndExcluded()
    {
        await AddAsync("always", 0.001, d =>
        {
            d["available_24_7"] = true;
            d["schedules"] = new JsonArray();
        });
        await AddAsync("no hours known", 0.002, d => d["schedules"] = new JsonArray());
        await AddAsync("valid only in 2025", 0.003, d =>
        {
            var s = Schedule("MO,TU,WE,TH,FR,SA,SU", "00:00", "23:59", "America/Costa_Rica");
            s[0]!["valid_from"] = "2025-01-01";
            s[0]!["valid_to"] = "2025-12-31";
            d["schedules"] = s;
        });

        var all = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?lat={Lat}&lng={Lng}");
        var states = all.GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("service").GetProperty("name").GetString()!,
            r => r.TryGetProperty("open_now", out var v) ? v.GetBoolean() : (bool?)null);

        Assert.True(states["always"]);
        Assert.Null(states["no hours known"]);
        Assert.False(states["valid only in 2025"]);
        Assert.Equal(["always"], await OpenNamesAsync("2026-11-30T12:00:00Z"));
        Assert.Equal(["always", "valid only in 2025"], await OpenNamesAsync("2025-06-02T12:00:00Z"));
        var openNow = await Client.GetFromJsonAsync<JsonElement>($"/api/nearest?lat={Lat}&lng={Lng}&open_now=true");
        Assert.Equal(["always"], openNow.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("service").GetProperty("name").GetString()));
    }
}
