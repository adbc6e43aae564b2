namespace Referral.Api.Features.Services;

/// <summary>A weekly opening (RFC 5545 <c>FREQ=WEEKLY;BYDAY=…</c>) in the service's own IANA time zone.</summary>
internal sealed class Schedule : Infrastructure.IHasId
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public required string ByDay { get; set; }
    public TimeOnly? OpensAt { get; set; }
    public TimeOnly? ClosesAt { get; set; }
    public DateOnly? ValidFrom { get; set; }
    public DateOnly? ValidTo { get; set; }
    public required string TimeZone { get; set; }
    public string? Description { get; set; }
    public string? Notes { get; set; }
}
