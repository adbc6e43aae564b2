using Npgsql;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Data;

/// <summary>
/// scripts/localdb.sh gives every cluster it starts the server settings a bulk import needs (README, "PostgreSQL
/// settings"), a new one and one made before those settings existed alike.
/// </summary>
public sealed class LocalClusterSettingsTests
{
    private static readonly (string Name, string Value)[] Expected =
    [
        ("shared_buffers", "1GB"), ("wal_buffers", "64MB"), ("max_wal_size", "8GB"), ("min_wal_size", "256MB"),
        ("checkpoint_timeout", "30min"), ("wal_compression", "lz4"),
    ];

    [Fact]
    public async Task Start_GivesNewAndOlderClustersTheBulkLoadSettings()
    {
        await using var cluster = new ThrowawayCluster();
        await cluster.StartPrimaryAsync();
        Assert.Equal(Expected, await SettingsAsync(cluster));

        // A cluster made by an earlier localdb.sh: no settings file, postgresql.conf without the include.
        await cluster.StopPrimaryAsync("fast");
        var conf = Path.Combine(cluster.PrimaryDataDirectory, "postgresql.conf");
        await File.WriteAllLinesAsync(conf, (await File.ReadAllLinesAsync(conf)).Where(l => !l.StartsWith("include_if_exists = 'referral-settings.conf'", StringComparison.Ordinal)));
        File.Delete(Path.Combine(cluster.PrimaryDataDirectory, "referral-settings.conf"));
        await cluster.StartPrimaryAsync();
        Assert.Equal(Expected, await SettingsAsync(cluster));

        // Started again: the include is not repeated.
        await cluster.StartPrimaryAsync();
        Assert.Single(await File.ReadAllLinesAsync(conf), l => l.StartsWith("include_if_exists = 'referral-settings.conf'", StringComparison.Ordinal));
    }

    private static async Task<(string, string)[]> SettingsAsync(ThrowawayCluster cluster)
    {
        // Unpooled: the server restarts between the checks.
        await using var conn = new NpgsqlConnection(cluster.AdminConnectionString + ";Pooling=false");
        await conn.OpenAsync();
        var result = new List<(string, string)>();
        foreach (var (name, _) in Expected)
        {
            await using var cmd = new NpgsqlCommand("SELECT current_setting(@name)", conn);
            cmd.Parameters.AddWithValue("name", name);
            result.Add((name, (string)(await cmd.ExecuteScalarAsync())!));
        }
        return [.. result];
    }
}
