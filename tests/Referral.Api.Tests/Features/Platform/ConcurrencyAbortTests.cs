using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.GraphQL;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// PostgreSQL aborts a transaction that deadlocks (40P01) or fails serialization (40001) with a concurrent one. Nothing
/// was written and the same request sent again succeeds: REST answers 503 SERVICE_UNAVAILABLE with Retry-After: 1 and
/// GraphQL SERVICE_UNAVAILABLE — before, both were a masked 500 / INTERNAL_ERROR. The database raises the real error
/// (with that SQLSTATE, through Npgsql and EF like a real deadlock) from a trigger this test installs for one name.
/// </summary>
public sealed class ConcurrencyAbortTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Theory]
    [InlineData("40P01")]
    [InlineData("40001")]
    public async Task Write_AbortedByAConcurrentTransaction_Answers503RetryAfter1_AndWritesNothing(string sqlState)
    {
        var created = await Client.PostAsJsonAsync("/api/organizations", TestData.Organization("Before"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await InstallAbortAsync(sqlState);
        try
        {
            var put = await Client.PutAsJsonAsync($"/api/organizations/{id}", TestData.Organization("abort me"));
            var graphql = await Client.PostGraphQLAsync(
                "mutation($id: ID!, $input: OrganizationInput!) { updateOrganization(id: $id, input: $input) { name } }",
                new { id, input = new { name = "abort me" } });

            var problem = await Problem.AssertAsync(put, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.Equal("1", put.Headers.GetValues("Retry-After").Single());
            Assert.Contains("nothing was written", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(sqlState, problem.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("Npgsql", problem.GetRawText(), StringComparison.Ordinal);
            graphql.AssertError("SERVICE_UNAVAILABLE");
            var stored = await Client.GetFromJsonAsync<JsonElement>($"/api/organizations/{id}");
            Assert.Equal("Before", stored.GetProperty("name").GetString());
        }
        finally
        {
            await using var db = await Factory.OpenAsync();
            await using var drop = db.CreateCommand();
            drop.CommandText = "DROP TRIGGER IF EXISTS test_abort ON organization; DROP FUNCTION IF EXISTS test_abort();";
            await drop.ExecuteNonQueryAsync();
        }
    }

    private async Task InstallAbortAsync(string sqlState)
    {
        await using var db = await Factory.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = $"""
            CREATE FUNCTION test_abort() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'aborted by the test' USING ERRCODE = '{sqlState}';
            END $$;
            CREATE TRIGGER test_abort BEFORE UPDATE ON organization FOR EACH ROW WHEN (NEW.name = 'abort me')
              EXECUTE FUNCTION test_abort();
            """;
        await command.ExecuteNonQueryAsync();
    }
}
