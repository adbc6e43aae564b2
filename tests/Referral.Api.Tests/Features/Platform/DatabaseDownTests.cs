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

/// <summary>
/// Security review, finding 11: a server that accepts connections and never answers (a blackholed address) kept every
/// request waiting Npgsql's default 15 s, and GraphQL answered INTERNAL_ERROR. Now the default connect timeout is 3 s
/// (the connection string here sets none) and GraphQL says SERVICE_UNAVAILABLE like REST's 503.
/// </summary>
public sealed class BlackholedDatabaseTests : IDisposable
{
    private readonly System.Net.Sockets.TcpListener _blackhole = new(IPAddress.Loopback, 0);
    private readonly BlackholeFactory _factory;

    public BlackholedDatabaseTests()
    {
        // Accepts connections (the kernel completes the handshake from the backlog) and never reads or writes.
        _blackhole.Start(backlog: 100);
        _factory = new BlackholeFactory(((IPEndPoint)_blackhole.LocalEndpoint).Port);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _blackhole.Stop();
    }

    [Fact]
    public async Task DatabaseBlackholed_RestAndGraphQLFailFast_WithServiceUnavailable()
    {
        using var client = _factory.CreateClient();
        var clock = Stopwatch.StartNew();

        var rest = await client.GetAsync("/api/services");
        var restElapsed = clock.Elapsed;
        var graphql = await Referral.Api.Tests.GraphQL.GraphQLTestClient.PostGraphQLAsync(client, "{ services(first: 1) { items { name } } }");

        await Problem.AssertAsync(rest, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
        Assert.True(restElapsed < TimeSpan.FromSeconds(12), $"took {restElapsed}: the default connect timeout is not short");
        graphql.AssertError("SERVICE_UNAVAILABLE");
        Assert.DoesNotContain("Npgsql", graphql.Text, StringComparison.Ordinal);
    }

    private sealed class BlackholeFactory(int port) : WebApplicationFactory<Program>
    {
        protected override IHost CreateHost(IHostBuilder builder)
        {
            builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Referral"] = $"Host=127.0.0.1;Port={port};Database=referral;Username=referral;Password=referral",
                ["Database:Migrate"] = "false",
                ["Seeding:Enabled"] = "false",
            }));
            return base.CreateHost(builder);
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.UseEnvironment("Production");
    }
}
