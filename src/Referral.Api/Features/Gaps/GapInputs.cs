using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// The input hash of an analysis: results are reused while it matches, and recomputed as soon as anything they depend on
/// changes — the dataset's version, the options, the directory (services, locations, links, categories, areas) or the
/// regions. Cheap aggregate fingerprints (count + sum of row hashes) catch inserts, edits and deletions alike. Only what the
/// public sees goes in, as only that is measured: a service's public version (not the editors', which moves with a
/// shelter), no hidden place or its links — else re-posting an analysis would tell (201, a new input_hash) that a shelter moved.
/// </summary>
internal static class GapInputs
{
    /// <summary>Bump when the method changes, so that results computed the old way are not reused.</summary>
    public const int AlgorithmVersion = 2;

    private const string FingerprintSql = """
        SELECT concat_ws('|',
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', id, status, coalesce(public_last_modified, last_modified), minimum_age, maximum_age,
                    array_to_string(delivery_modes, ' '), array_to_string(genders, ' '), array_to_string(languages, ' ')))::bigint), 0)
             FROM service),
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', id, location_type, visibility, ST_AsEWKT(public_point)))::bigint), 0)
             FROM location WHERE visibility <> 'hidden'),
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', x.id, x.service_id, x.location_id))::bigint), 0)
             FROM service_at_location x JOIN location l ON l.id = x.location_id WHERE l.visibility <> 'hidden'),
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', service_id, taxonomy_term_id))::bigint), 0) FROM attribute),
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', id, code, taxonomy_id))::bigint), 0) FROM taxonomy_term),
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', id, service_id, array_to_string(region_codes, ' '),
                    md5(ST_AsBinary(extent))))::bigint), 0) FROM service_area),
            (SELECT count(*) || ':' || coalesce(sum(hashtext(concat_ws(',', code, parent_code, level, name, md5(ST_AsBinary(geometry))))::bigint), 0)
             FROM region))
        """;

    public static async Task<string> HashAsync(ReferralDbContext db, Guid datasetId, long datasetVersion, GapOptions options, CancellationToken ct)
    {
        var fingerprint = await DirectoryFingerprintAsync(db, ct);
        var text = string.Join('\n',
            $"algorithm {AlgorithmVersion}",
            $"dataset {datasetId} version {datasetVersion}",
            $"options {JsonSerializer.Serialize(options, JsonSetup.Options)}",
            $"directory {fingerprint}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The aggregate fingerprint of the directory and the regions (also part of a placement's input hash).</summary>
    public static async Task<string> DirectoryFingerprintAsync(ReferralDbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened)
        {
            await db.Database.OpenConnectionAsync(ct);
        }
        try
        {
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = FingerprintSql;
            return (string)(await cmd.ExecuteScalarAsync(ct))!;
        }
        finally
        {
            if (opened)
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }
}
