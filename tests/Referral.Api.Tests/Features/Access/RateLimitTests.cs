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
