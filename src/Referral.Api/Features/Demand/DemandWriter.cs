using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Referral.Api.Data;

namespace Referral.Api.Features.Demand;

internal enum DemandImportStatus
{
    Created,
    Replaced,
    Conflict,

    /// <summary>A dataset of that name exists and belongs to someone else (or is the protected demo).</summary>
    Forbidden,
}

/// <summary>The outcome of deleting a dataset or an analysis.</summary>
internal enum PlanningDelete
{
    Deleted,
    NotFound,
    Forbidden,

    /// <summary>The analysis is still running; cancel it first.</summary>
    Running,
}

internal sealed record DemandImportOutcome(DemandImportStatus Status, Guid DatasetId);

/// <summary>
/// Stores a parsed import in one transaction: the dataset row, then every settlement through a binary COPY into a
/// staging table and one INSERT … SELECT (so a million rows take seconds, and a failure leaves nothing behind).
/// </summary>
/// Datasets belong to whoever created them (<see cref="Access.Actor.PlanningOwner"/>); only the owner and admins replace or
/// delete them, the seeded demo only admins. Creates, replaces and deletes go through SaveChanges, so the audit log has them.
internal sealed class DemandWriter(ReferralDbContext db, TimeProvider clock, Access.ActorContext actor)
{
    /// <summary>Whether the current caller may replace or delete this dataset.</summary>
    public bool MayChange(DemandDataset d) => actor.Current.MayChangePlanning(d.OwnerOrganizationId, d.OwnerActor, d.IsDemo);

    public async Task<DemandImportOutcome> ImportAsync(string name, DemandParse parse, bool replace, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var existing = await db.DemandDatasets.FirstOrDefaultAsync(d => d.Name == name, ct);
        if (existing is not null && !replace)
        {
            return new DemandImportOutcome(DemandImportStatus.Conflict, existing.Id);
        }
        if (existing is not null && !MayChange(existing))
        {
            return new DemandImportOutcome(DemandImportStatus.Forbidden, existing.Id);
        }
        var (ownerOrganization, ownerActor) = actor.Current.PlanningOwner;
        var dataset = existing ?? new DemandDataset
        {
            Id = Guid.CreateVersion7(),
            Name = name,
            CreatedAt = clock.GetUtcNow(),
            OwnerOrganizationId = ownerOrganization,
            OwnerActor = ownerActor,
        };
        dataset.Description = parse.Description ?? dataset.Description;
        dataset.Source = parse.Source ?? dataset.Source;
        dataset.License = parse.License ?? dataset.License;
        dataset.UpdatedAt = clock.GetUtcNow();
        if (existing is null)
        {
            db.DemandDatasets.Add(dataset);
        }
        else
        {
            await db.DemandPoints.Where(p => p.DatasetId == dataset.Id).ExecuteDeleteAsync(ct);
        }
        await db.SaveChangesAsync(ct);

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using (var create = new NpgsqlCommand("""
            CREATE TEMP TABLE demand_import (row int, id uuid, name text, lat float8, lng float8, population bigint,
                                             settlement_class text, region_code text) ON COMMIT DROP
            """, connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY demand_import (row, id, name, lat, lng, population, settlement_class, region_code) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var r in parse.Rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.Row, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(r.Name, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.Lat, NpgsqlDbType.Double, ct);
                await copy.WriteAsync(r.Lng, NpgsqlDbType.Double, ct);
                await WriteNullableAsync(copy, r.Population, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(copy, r.SettlementClass, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, r.RegionCode, NpgsqlDbType.Text, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO demand_point (id, dataset_id, name, point, population, settlement_class, region_code)
            SELECT id, @dataset, name, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography, population, settlement_class, region_code
            FROM demand_import ORDER BY row
            """, connection))
        {
            insert.CommandTimeout = 0;
            insert.Parameters.Add(new NpgsqlParameter<Guid>("dataset", dataset.Id));
            await insert.ExecuteNonQueryAsync(ct);
        }
        if (parse.Rows.Count >= 10_000)
        {
            // A large import changes the table's statistics; analyses split it by (dataset_id, seq) and need the index.
            // Inside the transaction (ANALYZE may run there and counts this transaction's rows): after the commit EF Core
            // has already closed the connection it opened for the transaction, and a failure would follow a stored dataset.
            await using var analyze = new NpgsqlCommand("ANALYZE demand_point", connection);
            analyze.CommandTimeout = 0;
            await analyze.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new DemandImportOutcome(existing is null ? DemandImportStatus.Created : DemandImportStatus.Replaced, dataset.Id);
    }

    /// <summary>
    /// Deletes a dataset with its settlements and analyses; the dataset and each analysis are audited (the settlements,
    /// bulk data, go with the dataset by the foreign key's cascade).
    /// </summary>
    public async Task<PlanningDelete> DeleteAsync(Guid id, CancellationToken ct)
    {
        var dataset = await db.DemandDatasets.FirstOrDefaultAsync(d => d.Id == id, ct);
        if (dataset is null)
        {
            return PlanningDelete.NotFound;
        }
        if (!MayChange(dataset))
        {
            return PlanningDelete.Forbidden;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.GapAnalyses.RemoveRange(await db.GapAnalyses.Where(a => a.DatasetId == id).ToListAsync(ct));
        db.DemandDatasets.Remove(dataset);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return PlanningDelete.Deleted;
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, long? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is { } v)
        {
            await copy.WriteAsync(v, type, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is not null)
        {
            await copy.WriteAsync(value, type, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }
}
