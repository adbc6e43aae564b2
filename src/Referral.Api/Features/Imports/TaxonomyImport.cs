using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Imports;

/// <summary>
/// The taxonomy terms an import's attributes refer to. A term already in the directory (by id, or by taxonomy and code)
/// is used as it is — an import never changes taxonomies; a term of another taxonomy that the input describes
/// (HSDS <c>taxonomy_term</c> with its <c>taxonomy_detail</c>, or the package's <c>taxonomy_terms.csv</c>) is added.
/// The built-in referral-category taxonomy is closed: its terms are only matched, never added (an unknown category is an error).
/// </summary>
internal sealed class TaxonomyImport
{
    public sealed record NewTaxonomy(Guid Id, string Name, string Description, string? Uri, string? Version);

    public sealed record NewTerm(Guid Id, Guid TaxonomyId, string Code, string Name, string Description, Guid? ParentId, string? TermUri, int Depth);

    private readonly Dictionary<Guid, string> _taxonomyNames;
    private readonly Dictionary<string, Guid> _taxonomyIds;
    private readonly Dictionary<(Guid, string), Guid> _termsByCode;
    private readonly Dictionary<Guid, NewTaxonomy> _newTaxonomies = [];
    private readonly Dictionary<Guid, NewTerm> _newTerms = [];

    private TaxonomyImport(Dictionary<Guid, string> taxonomies, List<(Guid Id, Guid TaxonomyId, string Code)> terms)
    {
        _taxonomyNames = taxonomies;
        _taxonomyIds = taxonomies.GroupBy(t => t.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        _termsByCode = terms.GroupBy(t => (t.TaxonomyId, t.Code)).ToDictionary(g => g.Key, g => g.First().Id);
        Known = [.. terms.Select(t => t.Id)];
    }

    /// <summary>Terms in the directory and terms this import adds.</summary>
    public HashSet<Guid> Known { get; }

    public IReadOnlyList<NewTaxonomy> NewTaxonomies => [.. _newTaxonomies.Values];

    public IReadOnlyList<NewTerm> NewTerms => [.. _newTerms.Values];

    public static async Task<TaxonomyImport> LoadAsync(ReferralDbContext db, CancellationToken ct)
    {
        var taxonomies = await db.Taxonomies.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var terms = await db.TaxonomyTerms.AsNoTracking().Select(t => new { t.Id, t.TaxonomyId, t.Code }).ToListAsync(ct);
        return new TaxonomyImport(taxonomies, [.. terms.Select(t => (t.Id, t.TaxonomyId, t.Code))]);
    }

    /// <summary>Points the record's attributes at the directory's terms, adding described terms that are missing.</summary>
    public void Resolve(SourceRecord record)
    {
        if (record.Doc.Attributes is not { Length: > 0 } attributes)
        {
            return;
        }
        var described = record.Terms.GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.First());
        var changed = false;
        var result = new AttributeDocument[attributes.Length];
        for (var i = 0; i < attributes.Length; i++)
        {
            var a = attributes[i];
            result[i] = a;
            var id = a?.TaxonomyTermId ?? a?.TaxonomyTerm?.Id;
            if (a is null || id is not { } termId || Known.Contains(termId))
            {
                continue;
            }
            var term = a.TaxonomyTerm ?? described.GetValueOrDefault(termId);
            if (term is null)
            {
                continue;
            }
            var errors = new FieldErrors();
            if (Register(term, $"attributes[{i}].taxonomy_term", errors, depth: 0) is { } resolved)
            {
                result[i] = a with { TaxonomyTermId = resolved, TaxonomyTerm = null };
                changed = true;
            }
            foreach (var (field, messages) in errors.ToDictionary())
            {
                record.Issues.AddRange(messages.Select(m => new ImportIssue(IssueCodes.InvalidValue, m, record.Origin.File, record.Origin.Line, record.Key, field)));
            }
        }
        if (changed)
        {
            record.Doc = record.Doc with { Attributes = result };
        }
    }

    private Guid? Register(TaxonomyTermDocument term, string field, FieldErrors errors, int depth)
    {
        var taxonomyId = Taxonomy(term, field, errors);
        if (taxonomyId is null)
        {
            return null;
        }
        var code = errors.Text($"{field}.code", term.Code, Limits.Code) ?? term.Id.ToString();
        if (_termsByCode.TryGetValue((taxonomyId.Value, code), out var existing))
        {
            return existing;
        }
        if (_taxonomyNames.GetValueOrDefault(taxonomyId.Value) == ServiceMapping.CategoryTaxonomy)
        {
            errors.Add($"{field}.code", $"unknown category '{FieldErrors.Clip(code)}': the {ServiceMapping.CategoryTaxonomy} taxonomy is not extended by imports.");
            return null;
        }
        var name = errors.Text($"{field}.name", term.Name, Limits.Short, required: true);
        var description = errors.Text($"{field}.description", term.Description, Limits.Text) ?? "";
        var uri = errors.Url($"{field}.term_uri", term.TermUri);
        if (errors.Any)
        {
            return null;
        }
        var parent = term.ParentId is { } p && (Known.Contains(p) || _newTerms.ContainsKey(p)) ? p : (Guid?)null;
        _newTerms[term.Id] = new NewTerm(term.Id, taxonomyId.Value, code, name!, description, parent, uri, parent is { } pp && _newTerms.TryGetValue(pp, out var pt) ? pt.Depth + 1 : depth);
        _termsByCode[(taxonomyId.Value, code)] = term.Id;
        Known.Add(term.Id);
        return term.Id;
    }

    private Guid? Taxonomy(TaxonomyTermDocument term, string field, FieldErrors errors)
    {
        if (term.TaxonomyId is { } id && (_taxonomyNames.ContainsKey(id)))
        {
            return id;
        }
        var detail = term.TaxonomyDetail;
        var name = detail?.Name ?? term.Taxonomy;
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add($"{field}.taxonomy_id", term.TaxonomyId is { } missing ? $"unknown taxonomy {missing} (and no taxonomy_detail to create it)." : "is required.");
            return null;
        }
        name = errors.Text($"{field}.taxonomy_detail.name", name, Limits.Short);
        if (name is null || errors.Any)
        {
            return null;
        }
        if (_taxonomyIds.TryGetValue(name, out var byName))
        {
            return byName;
        }
        var newId = detail?.Id ?? term.TaxonomyId ?? DeterministicGuid.Create(Guid.Empty, "taxonomy:" + name);
        var description = errors.Text($"{field}.taxonomy_detail.description", detail?.Description, Limits.Text) ?? "";
        var uri = errors.Url($"{field}.taxonomy_detail.uri", detail?.Uri);
        var version = errors.Text($"{field}.taxonomy_detail.version", detail?.Version, Limits.Code);
        if (errors.Any)
        {
            return null;
        }
        _newTaxonomies[newId] = new NewTaxonomy(newId, name, description, uri, version);
        _taxonomyNames[newId] = name;
        _taxonomyIds[name] = newId;
        return newId;
    }
}
