using System.Net;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Access;

/// <summary>The limiter itself, on an app of its own with small budgets (the shared test app's are huge).</summary>
public sealed class RateLimitTests : IAsyncLifetime, IDisposable
{
    private readonly ReferralApiFactory _factory = new()
    {
        Settings =
        {
            ["RateLimits:AnonymousPerMinute"] = "5",
            ["RateLimits:AuthenticatedPerMinute"] = "8",
            ["RateLimits:FeedbackPerHour"] = "2",
        },
    };

    public Task InitializeAsync() => ((IAsyncLifetime)_factory).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_factory).DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Anonymous_OverBudget_Gets429WithRetryAfter_KeysHaveTheirOwnBudget()
    {
        using var anonymous = _factory.CreateClient();
        using var keyed = _factory.CreateClient(await _factory.CreateKeyAsync("limited", Roles.Caseworker));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            statuses.Add((await anonymous.GetAsync("/api/taxonomies")).StatusCode);
        }
        var limited = await anonymous.GetAsync("/api/taxonomies");
        var withKey = await keyed.GetAsync("/api/taxonomies");

        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        var problem = await Problem.AssertAsync(limited, HttpStatusCode.TooManyRequests, "TOO_MANY_REQUESTS");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.NotNull(problem.GetProperty("detail").GetString());
    }
}

/// <summary>Security review, finding 5: one client's expensive requests run at most N at a time; 429s say when to retry.</summary>
public sealed class ConcurrencyLimitTests : IAsyncLifetime, IDisposable
{
    private readonly ReferralApiFactory _factory = new()
    {
        Settings =
        {
            ["RateLimits:ExpensiveConcurrency"] = "1",
            ["RateLimits:ExpensiveQueue"] = "0",
        },
    };

    public Task InitializeAsync() => ((IAsyncLifetime)_factory).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_factory).DisposeAsync();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ExpensiveRequestsOfOneClient_BeyondTheLimit_Get429WithTypeAndRetryAfter_CheapOnesDoNot()
    {
        using var client = _factory.CreateClient();

        var expensive = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.GetAsync("/api/nearest?lat=9.9&lng=-84.1&search=abuso")));
        var cheap = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => client.GetAsync("/api/taxonomies")));

        Assert.Contains(expensive, r => r.StatusCode == HttpStatusCode.OK);
        var limited = expensive.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited);
        var problem = await Problem.AssertAsync(limited, HttpStatusCode.TooManyRequests, "TOO_MANY_REQUESTS");
        Assert.Equal("https://www.rfc-editor.org/rfc/rfc6585#section-4", problem.GetProperty("type").GetString());
        Assert.Equal("1", limited.Headers.GetValues("Retry-After").Single());
        Assert.All(cheap, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }

    [Fact]
    public async Task RequestBudget429_SaysWhenTheNextRequestIsAllowed()
    {
        using var factory = new ReferralApiFactory { Settings = { ["RateLimits:AnonymousPerMinute"] = "3" } };
        await ((IAsyncLifetime)factory).InitializeAsync();
        try
        {
            using var client = factory.CreateClient();
            for (var i = 0; i < 3; i++)
            {
                await client.GetAsync("/api/taxonomies");
            }

            var limited = await client.GetAsync("/api/taxonomies");

            var problem = await Problem.AssertAsync(limited, HttpStatusCode.TooManyRequests, "TOO_MANY_REQUESTS");
            Assert.Equal("https://www.rfc-editor.org/rfc/rfc6585#section-4", problem.GetProperty("type").GetString());
            // One token every 20 s at 3 a minute: the wait is at most that, not a fixed minute.
            Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 20);
        }
        finally
        {
            await ((IAsyncLifetime)factory).DisposeAsync();
        }
    }
}

/// <summary>
/// Which requests the per-client concurrency limit holds back (README "Limits and hostile input"). Sweep 12: a gap analysis's
/// exports stream every settlement of its dataset (up to about a million, anonymously) and a placement runs a computation,
/// yet neither counted as expensive, so one client could run any number of them at once.
/// </summary>
public sealed class ExpensiveRequestTests
{
    private static bool IsExpensive(string method, string pathAndQuery)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var uri = new Uri("http://localhost" + pathAndQuery);
        http.Request.Method = method;
        http.Request.Path = uri.AbsolutePath;
        http.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString(uri.Query);
        return Referral.Api.Infrastructure.RateLimits.IsExpensive(http.Request);
    }

    [Theory]
    [InlineData("GET", "/api/nearest?lat=9.9&lng=-84.1")]
    [InlineData("GET", "/api/exports/csv")]
    [InlineData("POST", "/graphql")]
    [InlineData("POST", "/api/gap_analyses")]
    [InlineData("POST", "/api/placements")]
    [InlineData("GET", "/api/gap_analyses/0193a5c0-0000-7000-8000-000000000001/points.geojson")]
    [InlineData("GET", "/api/gap_analyses/0193a5c0-0000-7000-8000-000000000001/regions.geojson")]
    [InlineData("GET", "/api/gap_analyses/0193a5c0-0000-7000-8000-000000000001/grid.geojson?cell_km=1")]
    [InlineData("GET", "/api/gap_analyses/0193a5c0-0000-7000-8000-000000000001/table.csv")]
    [InlineData("GET", "/api/services?format=ndjson")]
    public void WorkThatGrowsWithTheData_IsExpensive(string method, string path) => Assert.True(IsExpensive(method, path), $"{method} {path}");

    [Theory]
    [InlineData("GET", "/api/taxonomies")]
    [InlineData("GET", "/api/services")]
    [InlineData("GET", "/api/gap_analyses")]
    [InlineData("GET", "/api/gap_analyses/0193a5c0-0000-7000-8000-000000000001")]
    [InlineData("GET", "/api/placements/0193a5c0-0000-7000-8000-000000000001")]
    [InlineData("DELETE", "/api/placements/0193a5c0-0000-7000-8000-000000000001")]
    public void CheapReads_AreNot(string method, string path) => Assert.False(IsExpensive(method, path), $"{method} {path}");
}
