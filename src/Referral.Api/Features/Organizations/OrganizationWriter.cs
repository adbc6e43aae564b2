using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Organizations;

/// <summary>
/// Organizations: admins create and delete them; an editor may change only the organization its key is bound to.
/// </summary>
internal sealed class OrganizationWriter(ReferralDbContext db, ActorContext actor)
{
    private WriteOutcome Forbidden(Guid id) => new(WriteStatus.Forbidden, id,
        Detail: actor.Current.IsAdmin ? null : $"{actor.Current.Name} may not create, delete or change organization {id}.");

    public async Task<WriteOutcome> CreateAsync(OrganizationDocument doc, CancellationToken ct)
    {
        var id = doc.Id ?? Guid.CreateVersion7();
        if (!actor.Current.IsAdmin)
        {
            return Forbidden(id);
        }
        if (await db.Organizations.AnyAsync(o => o.Id == id, ct))
        {
            return new WriteOutcome(WriteStatus.Conflict, id, Detail: $"An organization with id {id} already exists; use PUT to replace it.");
        }
        return await SaveAsync(new Organization { Id = id, Name = "" }, doc, isNew: true, ct);
    }

    public async Task<WriteOutcome> ReplaceAsync(Guid id, OrganizationDocument doc, Func<uint, bool> preconditionHolds, CancellationToken ct)
    {
        if (doc.Id is { } bodyId && bodyId != id)
        {
            return new WriteOutcome(WriteStatus.Invalid, id, Errors: new() { ["id"] = ["must match the id in the URL (or be left out)."] });
        }
        var existing = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, ct);
        if (existing is null ? !actor.Current.IsAdmin : !actor.Current.MayWrite(id))
        {
            return Forbidden(id);
        }
        if (existing is not null && !preconditionHolds(existing.Version))
        {
            return new WriteOutcome(WriteStatus.PreconditionFailed, id, existing.Version);
        }
        return await SaveAsync(existing ?? new Organization { Id = id, Name = "" }, doc, existing is null, ct);
    }

    /// <summary>An organization with services is not deleted (409 IN_USE): deleting must never orphan data silently.</summary>
    public async Task<WriteOutcome> DeleteAsync(Guid id, Func<uint, bool> preconditionHolds, CancellationToken ct)
    {
        var existing = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, ct);
        if (existing is null)
        {
            return new WriteOutcome(WriteStatus.NotFound, id);
        }
        if (!actor.Current.IsAdmin)
        {
            return Forbidden(id);
        }
        if (!preconditionHolds(existing.Version))
        {
            return new WriteOutcome(WriteStatus.PreconditionFailed, id, existing.Version);
        }
        var services = await db.Services.CountAsync(s => s.OrganizationId == id, ct);
        if (services > 0)
        {
            return new WriteOutcome(WriteStatus.InUse, id,
                Detail: $"The organization still has {services} service(s); delete or move them first.");
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Its locations that no service uses go with it; a location another organization's service uses blocks the delete (FK).
        db.Locations.RemoveRange(await db.Locations.Include(l => l.Addresses)
            .Where(l => l.OrganizationId == id && !db.ServiceAtLocations.Any(x => x.LocationId == l.Id)).ToListAsync(ct));
        db.Organizations.Remove(existing);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new WriteOutcome(WriteStatus.Deleted, id);
    }

    private async Task<WriteOutcome> SaveAsync(Organization o, OrganizationDocument doc, bool isNew, CancellationToken ct)
    {
        var errors = new FieldErrors();
        o.Name = errors.Text("name", doc.Name, Limits.Name, required: true) ?? "";
        o.AlternateName = errors.Text("alternate_name", doc.AlternateName, Limits.Name);
        o.Description = errors.Text("description", doc.Description, Limits.Text);
        o.Email = errors.Email("email", doc.Email);
        o.Website = errors.Url("website", doc.Website);
        o.LegalStatus = errors.Text("legal_status", doc.LegalStatus, Limits.Short);
        if (doc.YearIncorporated is < 1800 or > 2200)
        {
            errors.Add("year_incorporated", "must be a year between 1800 and 2200.");
        }
        o.YearIncorporated = doc.YearIncorporated;
        if (errors.Any)
        {
            return new WriteOutcome(WriteStatus.Invalid, o.Id, Errors: errors.ToDictionary());
        }
        if (isNew)
        {
            db.Organizations.Add(o);
        }
        await db.SaveChangesAsync(ct);
        return new WriteOutcome(isNew ? WriteStatus.Created : WriteStatus.Updated, o.Id, o.Version);
    }
}
