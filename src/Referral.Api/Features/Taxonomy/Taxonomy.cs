namespace Referral.Api.Features.Taxonomy;

internal sealed class Taxonomy
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Description { get; set; }
    public string? Uri { get; set; }
    public string? Version { get; set; }
    public List<TaxonomyTerm> Terms { get; set; } = [];
}
