namespace Referral.Api.Features.Taxonomy;

internal sealed class TaxonomyTerm
{
    public Guid Id { get; set; }
    public Guid TaxonomyId { get; set; }
    public Taxonomy? Taxonomy { get; set; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public required string Description { get; set; }
    public Guid? ParentId { get; set; }
    public string? TermUri { get; set; }

    /// <summary>Display names by language code (en, es, pt, fr, …).</summary>
    public Dictionary<string, string> Labels { get; set; } = [];
}
