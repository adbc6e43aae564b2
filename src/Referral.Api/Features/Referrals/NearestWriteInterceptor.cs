using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// Read-your-writes on this instance: a write through this instance's <see cref="Data.ReferralDbContext"/> to a table the
/// nearest index reads marks the index stale (<see cref="NearestIndex.Invalidate"/>) as soon as it is saved and again
/// when its transaction commits, so the next nearest request here takes the SQL path until the index has caught up —
/// without waiting for the notification. Other instances learn of it by the notification (or the poll).
/// </summary>
internal sealed partial class NearestWriteInterceptor(NearestIndex index) : DbCommandInterceptor, ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private static readonly ConditionalWeakTable<DbContext, object> Pending = [];

    // Tables the index, its cached rows or open-now read (and their triggers log): a loose match only costs a catch-up.
    [GeneratedRegex(@"\b(service|service_at_location|location|address|organization|phone|attribute|schedule|taxonomy|taxonomy_term|region|service_area)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Tables();

    // The entities of the tables above live in these feature namespaces (a loose match only costs a catch-up).
    private static readonly string[] Namespaces =
        ["Referral.Api.Features.Services", "Referral.Api.Features.Locations", "Referral.Api.Features.Organizations",
         "Referral.Api.Features.Taxonomy", "Referral.Api.Features.Regions"];

    private void Touched(DbContext? context)
    {
        index.Invalidate();
        if (context is not null && context.Database.CurrentTransaction is not null)
        {
            Pending.AddOrUpdate(context, Pending);
        }
    }

    private static bool Relevant(DbContext? context) =>
        context is not null && context.ChangeTracker.Entries().Any(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted
            && Array.IndexOf(Namespaces, e.Entity.GetType().Namespace) >= 0);

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (Relevant(eventData.Context))
        {
            Remember(eventData.Context);
        }
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (Relevant(eventData.Context))
        {
            Remember(eventData.Context);
        }
        return ValueTask.FromResult(result);
    }

    // Marked before the save (entries are still Added/Modified then), invalidated after it.
    private static readonly ConditionalWeakTable<DbContext, object> Saving = [];

    private static void Remember(DbContext? context)
    {
        if (context is not null)
        {
            Saving.AddOrUpdate(context, Saving);
        }
    }

    private void Saved(DbContext? context)
    {
        if (context is not null && Saving.Remove(context))
        {
            Touched(context);
        }
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is not null)
        {
            Saving.Remove(eventData.Context);
        }
    }

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        if (Tables().IsMatch(command.CommandText))
        {
            Touched(eventData.Context);
        }
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (Tables().IsMatch(command.CommandText))
        {
            Touched(eventData.Context);
        }
        return ValueTask.FromResult(result);
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        if (eventData.Context is not null && Pending.Remove(eventData.Context))
        {
            index.Invalidate();
        }
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionCommitted(transaction, eventData);
        return Task.CompletedTask;
    }
}
