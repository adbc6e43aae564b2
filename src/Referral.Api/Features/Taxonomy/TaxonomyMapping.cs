namespace Referral.Api.Features.Taxonomy;

internal static class TaxonomyMapping
{
    public static TaxonomyTermDocument ToDocument(TaxonomyTerm t) => new()
    {
        Id = t.Id,
        Code = t.Code,
        Name = t.Name,
        Description = t.Description,
        ParentId = t.ParentId,
        Taxonomy = t.Taxonomy?.Name,
        TaxonomyDetail = t.Taxonomy is { } x ? ToDocument(x) : null,
        TaxonomyId = t.TaxonomyId,
        TermUri = t.TermUri,
        Labels = t.Labels.Count > 0 ? t.Labels : null,
    };

    public static TaxonomyDocument ToDocument(Taxonomy t) => new(t.Id, t.Name, t.Description, t.Uri, t.Version);
}
