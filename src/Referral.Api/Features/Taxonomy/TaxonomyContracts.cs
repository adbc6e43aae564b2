namespace Referral.Api.Features.Taxonomy;

internal sealed record TaxonomyDocument(Guid Id, string Name, string Description, string? Uri, string? Version);

/// <summary>HSDS 3.1 <c>taxonomy_term</c>; ★ <c>labels</c> holds display names by language.</summary>
internal sealed record TaxonomyTermDocument
{
    public Guid Id { get; init; }
    public string? Code { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public Guid? ParentId { get; init; }
    public string? Taxonomy { get; init; }
    public TaxonomyDocument? TaxonomyDetail { get; init; }
    public Guid? TaxonomyId { get; init; }
    public string? TermUri { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>HSDS 3.1 <c>attribute</c> linking a service to a taxonomy term.</summary>
internal sealed record AttributeDocument
{
    public Guid? Id { get; init; }
    public Guid? LinkId { get; init; }
    public Guid? TaxonomyTermId { get; init; }
    public string? LinkType { get; init; }
    public string? LinkEntity { get; init; }
    public string? Value { get; init; }
    public TaxonomyTermDocument? TaxonomyTerm { get; init; }
}
