using Microsoft.EntityFrameworkCore;
using Referral.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Referral.Api.Tests.GraphQL;

/// <summary>Nested fields are batch-loaded: the number of SQL commands does not grow with the number of services (no N+1).</summary>
public sealed class GraphQLBatchingTests(ReferralApiFactory factory, ITestOutputHelper output) : DatabaseTest(factory)
{
    private const string EveryField = $$"""
        { services(first: 100) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
            etag organization { etag } locations { id latitude } taxonomyTerms { code labels { language name } }
            {{RestShape.ServiceFields}} } } } }
        """;

    private async Task CreateServicesAsync(int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var org = await TestData.CreateOrganizationAsync(Client, $"Organization {i:000}");
            await TestData.CreateServiceAsync(Client, GraphQLQueryTests.RichService(org, $"Service {i:000}"));
        }
    }

    private async Task<IReadOnlyList<string>> QueryEverythingAsync(SqlCommandCounter counter, int expected)
    {
        GraphQLResponse? response = null;
        var commands = await counter.RecordAsync(async () => response = await Client.PostGraphQLAsync(EveryField));
        var services = response!.AssertData().GetProperty("services");
        Assert.Equal(expected, services.GetProperty("totalCount").GetInt32());
        var nodes = services.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")).ToList();
        Assert.Equal(expected, nodes.Count);
        Assert.All(nodes, n =>
        {
            Assert.Equal(2, n.GetProperty("phones").GetArrayLength());
            Assert.Single(n.GetProperty("schedules").EnumerateArray());
            Assert.Single(n.GetProperty("serviceAreas").EnumerateArray());
            Assert.Single(n.GetProperty("locations").EnumerateArray());
            Assert.Equal(2, n.GetProperty("taxonomyTerms").GetArrayLength());
            Assert.NotNull(n.GetProperty("organization").GetProperty("etag").GetString());
            Assert.NotNull(n.GetProperty("etag").GetString());
        });
        return commands;
    }

    [Fact]
    public async Task Services_EveryNestedField_TakesTheSameNumberOfSqlCommandsFor5And50Services()
    {
        using var counter = new SqlCommandCounter(Factory.DatabaseName);
        await CreateServicesAsync(0, 5);
        var five = await QueryEverythingAsync(counter, 5);

        await CreateServicesAsync(5, 45);
        var fifty = await QueryEverythingAsync(counter, 50);

        output.WriteLine($"SQL commands: {five.Count} for 5 services, {fifty.Count} for 50.");
        Assert.True(five.Count == fifty.Count,
            $"5 services took {five.Count} SQL commands, 50 took {fifty.Count}:\n{string.Join("\n---\n", fifty)}");
        Assert.InRange(fifty.Count, 1, 15);
    }

    [Fact]
    public async Task SqlCommandCounter_CountsTheRequestsCommands_NotTheHostsBackgroundWork()
    {
        // The host's background services (card preload, index loads) query the same database whenever they wake; the
        // counter must not charge their commands to the request it records, or the comparisons above flake.
        using var counter = new SqlCommandCounter(Factory.DatabaseName);
        var alone = await counter.RecordAsync(() => Client.PostGraphQLAsync("{ services(first: 1) { totalCount } }"));
        var withBackground = await counter.RecordAsync(async () =>
        {
            await Client.PostGraphQLAsync("{ services(first: 1) { totalCount } }");
            await Factory.WithDbAsync(db => db.Services.CountAsync());
        });
        Assert.NotEmpty(alone);
        Assert.Equal(alone.Count, withBackground.Count);
    }
}
