namespace Referral.Api.Features.Feedback;

/// <summary>A public report that a record is wrong (closed, wrong phone, moved), for editors to review.</summary>
internal sealed class FeedbackReport
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public required string Reason { get; set; }
    public string? Comment { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
}
