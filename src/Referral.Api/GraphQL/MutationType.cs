using GraphQL;
using GraphQL.Types;
using Referral.Api.Data;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.GraphQL.Loaders;

namespace Referral.Api.GraphQL;

/// <summary>
/// Root mutations: the same writers as REST's POST/PUT/DELETE (so validation and outcomes are identical), behind the same
/// authorization policy. Update replaces the whole document, as PUT does; <c>ifMatch</c> is REST's If-Match.
/// </summary>
internal sealed class MutationType : ObjectGraphType
{
    private const string IfMatchDescription = "Only write if the record's current `etag` matches (REST: If-Match); PRECONDITION_FAILED otherwise.";

    public MutationType()
    {
        Name = "Mutation";
        Features.Gaps.GapGraphFields.AddMutations(this);
        Features.Placements.PlacementGraphFields.AddMutations(this);

        Field<OrganizationGraphType>("createOrganization").Description("Create an organization (REST: POST /api/organizations).")
            .Argument<NonNullGraphType<OrganizationInputGraphType>>("input")
            .ResolveAsync(async ctx =>
            {
                var outcome = await WriteAsync(ctx, sp => sp.GetRequiredService<OrganizationWriter>()
                    .CreateAsync(ctx.GetArgument<OrganizationDocument>("input"), ctx.CancellationToken));
                return await OrganizationAsync(ctx, outcome, WriteStatus.Created);
            });

        Field<OrganizationGraphType>("updateOrganization").Description("Replace an existing organization (REST: PUT /api/organizations/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<OrganizationInputGraphType>>("input")
            .Argument<StringGraphType>("ifMatch", IfMatchDescription)
            .ResolveAsync(async ctx =>
            {
                var id = ctx.GetRequiredGuid("id");
                var outcome = await WriteAsync(ctx, async sp => await ExistsAsync(sp.GetRequiredService<OrganizationVersionLoader>(), id, ctx)
                    ? await sp.GetRequiredService<OrganizationWriter>().ReplaceAsync(id, ctx.GetArgument<OrganizationDocument>("input"), ctx.IfMatch(), ctx.CancellationToken)
                    : new WriteOutcome(WriteStatus.NotFound, id));
                // Created only if the record vanished and came back between the check and the write.
                return await OrganizationAsync(ctx, outcome, WriteStatus.Updated, WriteStatus.Created);
            });

        Field<NonNullGraphType<IdGraphType>>("deleteOrganization")
            .Description("Delete an organization that has no services (IN_USE otherwise); returns its id (REST: DELETE /api/organizations/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<StringGraphType>("ifMatch", IfMatchDescription)
            .ResolveAsync(async ctx =>
            {
                var id = ctx.GetRequiredGuid("id");
                var outcome = await WriteAsync(ctx, sp => sp.GetRequiredService<OrganizationWriter>().DeleteAsync(id, ctx.IfMatch(), ctx.CancellationToken));
                return outcome.Status == WriteStatus.Deleted ? id : throw GraphQLErrors.FromOutcome(outcome, "organization");
            });

        Field<ServiceGraphType>("createService").Description("Create a service from one nested document (REST: POST /api/services).")
            .Argument<NonNullGraphType<ServiceInputGraphType>>("input")
            .ResolveAsync(async ctx =>
            {
                var outcome = await WriteAsync(ctx, sp => sp.GetRequiredService<ServiceWriter>()
                    .CreateAsync(ctx.GetArgument<ServiceDocument>("input"), ctx.CancellationToken));
                return await ServiceAsync(ctx, outcome, WriteStatus.Created);
            });

        Field<ServiceGraphType>("updateService")
            .Description("Replace an existing service with a nested document; lists left out are emptied (REST: PUT /api/services/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<NonNullGraphType<ServiceInputGraphType>>("input")
            .Argument<StringGraphType>("ifMatch", IfMatchDescription)
            .ResolveAsync(async ctx =>
            {
                var id = ctx.GetRequiredGuid("id");
                var outcome = await WriteAsync(ctx, async sp => await ExistsAsync(sp.GetRequiredService<ServiceVersionLoader>(), id, ctx)
                    ? await sp.GetRequiredService<ServiceWriter>().ReplaceAsync(id, ctx.GetArgument<ServiceDocument>("input"), ctx.IfMatch(), ctx.CancellationToken)
                    : new WriteOutcome(WriteStatus.NotFound, id));
                return await ServiceAsync(ctx, outcome, WriteStatus.Updated, WriteStatus.Created);
            });

        Field<NonNullGraphType<IdGraphType>>("deleteService")
            .Description("Delete a service with its phones, schedules, areas and links; unused locations go too. Returns its id (REST: DELETE /api/services/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .Argument<StringGraphType>("ifMatch", IfMatchDescription)
            .ResolveAsync(async ctx =>
            {
                var id = ctx.GetRequiredGuid("id");
                var outcome = await WriteAsync(ctx, sp => sp.GetRequiredService<ServiceWriter>().DeleteAsync(id, ctx.IfMatch(), ctx.CancellationToken));
                return outcome.Status == WriteStatus.Deleted ? id : throw GraphQLErrors.FromOutcome(outcome, "service");
            });
    }

    /// <summary>
    /// Checks the write policy, then runs one write. Several mutations may share a request (and its DbContext): a write that
    /// fails validation leaves changed but unsaved entities behind, which must never be saved by the next one.
    /// </summary>
    private static async Task<WriteOutcome> WriteAsync(IResolveFieldContext ctx, Func<IServiceProvider, Task<WriteOutcome>> write)
    {
        await WriteAccess.EnsureAsync(ctx);
        var services = ctx.RequestServices!;
        var db = services.GetRequiredService<ReferralDbContext>();
        db.ChangeTracker.Clear();
        try
        {
            return await write(services);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    // REST's PUT creates a missing record; a GraphQL update of a missing record is NOT_FOUND (create it with createXxx).
    private static async Task<bool> ExistsAsync(BatchLoader<Guid, uint?> versions, Guid id, IResolveFieldContext ctx) =>
        await versions.LoadAsync(id).GetResultAsync(ctx.CancellationToken) is not null;

    private static async Task<bool> ExistsAsync(BatchLoader<Guid, Loaders.ServiceVersionRow?> versions, Guid id, IResolveFieldContext ctx) =>
        await versions.LoadAsync(id).GetResultAsync(ctx.CancellationToken) is not null;

    private static async Task<object?> ServiceAsync(IResolveFieldContext ctx, WriteOutcome outcome, params WriteStatus[] success) =>
        success.Contains(outcome.Status)
            ? (await ctx.RequestServices!.GetRequiredService<ServiceQueries>().FindAsync(outcome.Id, ctx.CancellationToken))?.Document
            : throw GraphQLErrors.FromOutcome(outcome, "service");

    private static async Task<object?> OrganizationAsync(IResolveFieldContext ctx, WriteOutcome outcome, params WriteStatus[] success) =>
        success.Contains(outcome.Status)
            ? (await ctx.RequestServices!.GetRequiredService<OrganizationQueries>().FindAsync(outcome.Id, ctx.CancellationToken))?.Document
            : throw GraphQLErrors.FromOutcome(outcome, "organization");
}
