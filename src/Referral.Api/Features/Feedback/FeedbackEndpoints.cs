using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Access;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Feedback;

/// <summary>A public report that a record is wrong. <c>reason</c>: closed, wrong_phone, moved or other.</summary>
internal sealed record FeedbackInput(string? Reason, string? Comment);

internal sealed record FeedbackDocument(Guid Id, Guid ServiceId, string Reason, string? Comment, DateTimeOffset CreatedAt, string Status, DateTimeOffset? ResolvedAt, string? ResolvedBy);

internal sealed record FeedbackResolution(string? Status);

internal sealed record FeedbackQuery(
    [property: Description("open (default), resolved, dismissed or all.")][FromQuery(Name = "status")] string? Status = null,
    [property: Description("1-based page number.")][FromQuery(Name = "page")] int? Page = null,
    [property: Description("Items per page (default 50, capped at 100).")][FromQuery(Name = "per_page")] int? PerPage = null);

internal static class FeedbackEndpoints
{
    public const string RateLimitPolicy = "feedback";
    public const int MaxComment = 2000;

    public static IEndpointRouteBuilder MapFeedback(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/services/{id:guid}/feedback", SubmitFeedback).WithName("SubmitFeedback").WithTags("Feedback")
            .WithSummary("Report that a service's record is wrong (anonymous, rate limited)")
            .Accepts<FeedbackInput>("application/json")
            .RequireRateLimiting(RateLimitPolicy)
            .ProducesValidationProblem().ProducesProblem(404).ProducesProblem(429);
        var review = app.MapGroup("/api/feedback").WithTags("Feedback").RequireAuthorization(Authorization.ReviewPolicy);
        review.MapGet("/", ListFeedback).WithName("ListFeedback")
            .WithSummary("Feedback to review (editors: their organization's services; admins: all)");
        review.MapPost("/{id:guid}/resolve", ResolveFeedback).WithName("ResolveFeedback")
            .WithSummary("Mark feedback resolved or dismissed").Accepts<FeedbackResolution>("application/json");
        return app;
    }

    internal static async Task<Results<Created<FeedbackDocument>, ValidationProblem, ProblemHttpResult>> SubmitFeedback(
        Guid id, HttpRequest request, ReferralDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (input, problem) = await JsonBody.ReadAsync<FeedbackInput>(request, 16 * 1024, ct);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new FieldErrors();
        var reason = errors.OneOf("reason", input!.Reason, Vocabulary.FeedbackReasons, required: true);
        var comment = errors.Text("comment", input.Comment, MaxComment);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        if (!await db.Services.AnyAsync(s => s.Id == id, ct))
        {
            return Problems.NotFound("service", id);
        }
        var report = new FeedbackReport
        {
            Id = Guid.CreateVersion7(),
            ServiceId = id,
            Reason = reason!,
            Comment = comment,
            CreatedAt = clock.GetUtcNow(),
            Status = "open",
        };
        db.Feedback.Add(report);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/feedback/{report.Id}", ToDocument(report));
    }

    internal static async Task<Results<Ok<Page<FeedbackDocument>>, ValidationProblem>> ListFeedback(
        [AsParameters] FeedbackQuery q, ReferralDbContext db, ActorContext actor, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var page = PageRequest.From(q.Page, q.PerPage, errors);
        var status = q.Status ?? "open";
        if (status != "all" && !Vocabulary.FeedbackStatuses.Contains(status))
        {
            errors["status"] = ["must be open, resolved, dismissed or all."];
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var reports = Visible(db, actor.Current);
        if (status != "all")
        {
            reports = reports.Where(f => f.Status == status);
        }
        var total = await reports.CountAsync(ct);
        var rows = await reports.OrderByDescending(f => f.CreatedAt).ThenBy(f => f.Id).Skip(page.Skip).Take(page.Size).ToListAsync(ct);
        return TypedResults.Ok(Page<FeedbackDocument>.Create([.. rows.Select(ToDocument)], total, page));
    }

    internal static async Task<Results<Ok<FeedbackDocument>, ValidationProblem, ProblemHttpResult>> ResolveFeedback(
        Guid id, HttpRequest request, ReferralDbContext db, ActorContext actor, TimeProvider clock, CancellationToken ct)
    {
        var (input, problem) = await JsonBody.ReadAsync<FeedbackResolution>(request, 4 * 1024, ct);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new FieldErrors();
        var status = errors.OneOf("status", input!.Status, ["resolved", "dismissed"], required: true);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var report = await Visible(db, actor.Current).AsTracking().FirstOrDefaultAsync(f => f.Id == id, ct);
        if (report is null)
        {
            return Problems.NotFound("feedback", id);
        }
        report.Status = status!;
        report.ResolvedAt = clock.GetUtcNow();
        report.ResolvedBy = actor.Current.Name;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToDocument(report));
    }

    // Editors review only their own organization's services.
    private static IQueryable<FeedbackReport> Visible(ReferralDbContext db, Actor actor) => actor.IsAdmin
        ? db.Feedback.AsNoTracking()
        : db.Feedback.AsNoTracking().Where(f => db.Services.Any(s => s.Id == f.ServiceId && s.OrganizationId == actor.OrganizationId));

    private static FeedbackDocument ToDocument(FeedbackReport f) =>
        new(f.Id, f.ServiceId, f.Reason, f.Comment, f.CreatedAt, f.Status, f.ResolvedAt, f.ResolvedBy);
}
