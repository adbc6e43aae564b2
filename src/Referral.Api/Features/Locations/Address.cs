namespace Referral.Api.Features.Locations;

internal sealed class Address : Infrastructure.IHasId
{
    public Guid Id { get; set; }
    public Guid LocationId { get; set; }
    public string? Attention { get; set; }
    public string? Address1 { get; set; }
    public string? Address2 { get; set; }
    public required string City { get; set; }
    public string? Region { get; set; }
    public string? StateProvince { get; set; }
    public string? PostalCode { get; set; }
    public required string Country { get; set; }
    public required string AddressType { get; set; }
}
