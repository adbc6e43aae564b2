namespace Referral.Api.Features.Taxonomy;

/// <summary>HSDS <c>attribute</c>: links a service to a taxonomy term (link_type/link_entity are always "service" here).</summary>
internal sealed class ServiceAttribute
{
    public Guid Id { get; set; }
    public Guid ServiceId { get; set; }
    public Guid TaxonomyTermId { get; set; }
    public TaxonomyTerm? TaxonomyTerm { get; set; }
    public string? Value { get; set; }
}
