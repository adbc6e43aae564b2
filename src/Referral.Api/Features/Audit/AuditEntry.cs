namespace Referral.Api.Features.Audit;

/// <summary>Who changed what and when; written in the same transaction as the change.</summary>
internal sealed class AuditEntry
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public Guid EntityId { get; set; }
    /// <summary>JSON (jsonb) of the changed fields before the change.</summary>
    public string? Before { get; set; }
    public string? After { get; set; }
}
