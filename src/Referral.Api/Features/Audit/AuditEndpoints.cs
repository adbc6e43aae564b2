using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Audit;

internal sealed record AuditEntryDocument(long Id, DateTimeOffset At, string Actor, string Action, string EntityType, Guid EntityId, JsonElement? Before, JsonElement? After);

internal sealed record AuditQuery(
    [property: Description("Table name: service, organization, location, phone, schedule, service_area, attribute, …")][FromQuery(Name = "entity_type")] string? EntityType = null,
    [property: Description("One record's history.")][FromQuery(Name = "entity_id")] Guid? EntityId = null,
    [property: Description("Key name or token subject.")][FromQuery(Name = "actor")] string? Actor = null,
    [property: Description("create, update or delete.")][FromQuery(Name = "action")] string? Action = null,
    [property: Description("Entries at or after this instant.")][FromQuery(Name = "since")] DateTimeOffset? Since = null,
    [property: Description("Entries before this instant.")][FromQuery(Name = "until")] DateTimeOffset? Until = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);

internal static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/audit", ListAudit).WithName("ListAudit").WithTags("Audit")
            .WithSummary("The audit log (admin): who changed what, when, with the changed fields before and after; newest first")
            .RequireAuthorization(Authorization.AdminPolicy)
            .ProducesProblem(401).ProducesProblem(403);
        return app;
    }

    internal static async Task<Results<Ok<Page<AuditEntryDocument>>, ValidationProblem>> ListAudit(
        [AsParameters] AuditQuery q, ReferralDbContext db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(q.Page, q.PerPage, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var entries = db.AuditEntries.AsNoTracking();
        if (q.EntityType is { } type)
        {
            entries = entries.Where(e => e.EntityType == type);
        }
        if (q.EntityId is { } id)
        {
            entries = entries.Where(e => e.EntityId == id);
        }
        if (q.Actor is { } actor)
        {
            entries = entries.Where(e => e.Actor == actor);
        }
        if (q.Action is { } action)
        {
            entries = entries.Where(e => e.Action == action);
        }
        if (q.Since is { } since)
        {
            var s = since.ToUniversalTime();
            entries = entries.Where(e => e.At >= s);
        }
        if (q.Until is { } until)
        {
            var u = until.ToUniversalTime();
            entries = entries.Where(e => e.At < u);
        }
        var total = await entries.CountAsync(ct);
        var rows = await entries.OrderByDescending(e => e.Id).Skip(page.Skip).Take(page.Size).ToListAsync(ct);
        return TypedResults.Ok(Page<AuditEntryDocument>.Create(
            [.. rows.Select(e => new AuditEntryDocument(e.Id, e.At, e.Actor, e.Action, e.EntityType, e.EntityId, Parse(e.Before), Parse(e.After)))],
            total, page));
    }

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
