using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>With the database unreachable, requests fail fast with 503 (never 500) and readiness says so.</summary>
public sealed class DatabaseDownTests : IDisposable
{
    private readonly DownFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task DatabaseUnreachable_Returns503WithRetryAfter_Quickly()
    {
        using var client = _factory.CreateClient();
        var clock = Stopwatch.StartNew();

        var list = await client.GetAsync("/api/services");
        var nearest = await client.GetAsync("/api/nearest?lat=9.9&lng=-84.1");
        var ready = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");

        var problem = await Problem.AssertAsync(list, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.Equal("5", list.Headers.GetValues("Retry-After").Single());
        await Problem.AssertAsync(nearest, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.DoesNotContain("Npgsql", problem.GetRawText(), StringComparison.Ordinal);
    }

    private sealed class DownFactory : WebApplicationFactory<Program>
    {
        protected override IHost CreateHost(IHostBuilder builder)
        {
            builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Nothing listens on port 9 (discard) on loopback: connections are refused at once.
                ["ConnectionStrings:Referral"] = "Host=127.0.0.1;Port=9;Database=referral;Username=referral;Password=referral;Timeout=3",
                ["Database:Migrate"] = "false",
                ["Seeding:Enabled"] = "false",
            }));
            return base.CreateHost(builder);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseEnvironment("Production");
    }
}
