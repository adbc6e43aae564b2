namespace Referral.Api.Features.Services;

internal sealed class Phone : Infrastructure.IHasId
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public required string Number { get; set; }
    public int? Extension { get; set; }
    public string? Type { get; set; }
    public string? Description { get; set; }
    public string[] Languages { get; set; } = [];
}
