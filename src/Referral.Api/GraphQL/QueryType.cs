using GraphQL;
using GraphQL.Types;
using GraphQL.Types.Relay;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>Root queries: each one calls the same query-layer method as the matching REST endpoint.</summary>
internal sealed partial class QueryType : ObjectGraphType
{
    public QueryType()
    {
        Name = "Query";
        Features.Gaps.GapGraphFields.AddQueries(this);
        Features.Placements.PlacementGraphFields.AddQueries(this);

        Field<ServiceGraphType>("service").Description("One service, fully nested (REST: GET /api/services/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<ServiceQueries>()
                .FindAsync(ctx.GetRequiredGuid("id"), ctx.CancellationToken) is { } found
                    ? found.Document
                    : throw GraphQLErrors.NotFound("service", ctx.GetRequiredGuid("id")));

        Field<NonNullGraphType<ConnectionType<ServiceGraphType>>>("services")
            .Description("Services ordered by name, or by relevance when searching (REST: GET /api/services).")
            .Argument<StringGraphType>("search", "Full-text search over service and organization names and descriptions (accent-insensitive).")
            .Argument<IdGraphType>("taxonomyTermId", "Only services linked to this taxonomy term.")
            .Argument<IdGraphType>("taxonomyId", "Only services linked to a term of this taxonomy.")
            .Argument<IdGraphType>("organizationId", "Only services of this organization.")
            .Argument<DateTimeOffsetGraphType>("modifiedAfter", "Only services modified after this instant.")
            .Paged()
            .ResolveAsync(ServicesAsync);

        Field<OrganizationGraphType>("organization").Description("One organization (REST: GET /api/organizations/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<OrganizationQueries>()
                .FindAsync(ctx.GetRequiredGuid("id"), ctx.CancellationToken) is { } found
                    ? found.Document
                    : throw GraphQLErrors.NotFound("organization", ctx.GetRequiredGuid("id")));

        Field<NonNullGraphType<ConnectionType<OrganizationGraphType>>>("organizations")
            .Description("Organizations ordered by name (REST: GET /api/organizations).")
            .Argument<StringGraphType>("search", "Search organization names and descriptions (accent-insensitive).")
            .Paged()
            .ResolveAsync(OrganizationsAsync);

        Field<TaxonomyGraphType>("taxonomy").Description("One taxonomy (REST: GET /api/taxonomies/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<TaxonomyQueries>()
                .FindTaxonomyAsync(ctx.GetRequiredGuid("id"), ctx.CancellationToken)
                    ?? throw GraphQLErrors.NotFound("taxonomy", ctx.GetRequiredGuid("id")));

        Field<NonNullGraphType<ConnectionType<TaxonomyGraphType>>>("taxonomies")
            .Description("Taxonomies ordered by name (REST: GET /api/taxonomies).")
            .Paged()
            .ResolveAsync(TaxonomiesAsync);

        Field<TaxonomyTermGraphType>("taxonomyTerm").Description("One taxonomy term (REST: GET /api/taxonomy_terms/{id}).")
            .Argument<NonNullGraphType<IdGraphType>>("id")
            .ResolveAsync(async ctx => await ctx.RequestServices!.GetRequiredService<TaxonomyQueries>()
                .FindTermAsync(ctx.GetRequiredGuid("id"), ctx.CancellationToken)
                    ?? throw GraphQLErrors.NotFound("taxonomy term", ctx.GetRequiredGuid("id")));

        Field<NonNullGraphType<ConnectionType<TaxonomyTermGraphType>>>("taxonomyTerms")
            .Description("Taxonomy terms ordered by taxonomy and code (REST: GET /api/taxonomy_terms).")
            .Argument<IdGraphType>("taxonomyId", "Only terms of this taxonomy.")
            .Argument<IdGraphType>("parentId", "Only children of this term.")
            .Argument<BooleanGraphType>("topOnly", "Only terms without a parent.")
            .Argument<StringGraphType>("search", "Search term codes and names (accent-insensitive).")
            .Paged()
            .ResolveAsync(TaxonomyTermsAsync);

        AddReferralFields();
    }

    private static async Task<object?> ServicesAsync(IResolveFieldContext<object?> ctx)
    {
        var errors = new Dictionary<string, string[]>();
        var query = new ServiceListQuery(
            Search: Search(ctx, errors),
            TaxonomyTermId: ctx.GetGuid("taxonomyTermId", errors),
            TaxonomyId: ctx.GetGuid("taxonomyId", errors),
            OrganizationId: ctx.GetGuid("organizationId", errors),
            ModifiedAfter: ctx.GetArgument<DateTimeOffset?>("modifiedAfter"));
        var (skip, first) = Window(ctx, "service", errors);
        var queries = ctx.RequestServices!.GetRequiredService<ServiceQueries>();
        return await Connections.PageAsync("service", skip, first, page => queries.ListAsync(query, page, ctx.CancellationToken));
    }

    private static async Task<object?> OrganizationsAsync(IResolveFieldContext<object?> ctx)
    {
        var errors = new Dictionary<string, string[]>();
        var query = new OrganizationListQuery(Search: Search(ctx, errors));
        var (skip, first) = Window(ctx, "organization", errors);
        var queries = ctx.RequestServices!.GetRequiredService<OrganizationQueries>();
        return await Connections.PageAsync("organization", skip, first, page => queries.ListAsync(query, page, ctx.CancellationToken));
    }

    private static async Task<object?> TaxonomiesAsync(IResolveFieldContext<object?> ctx)
    {
        var (skip, first) = Window(ctx, "taxonomy", []);
        var queries = ctx.RequestServices!.GetRequiredService<TaxonomyQueries>();
        return await Connections.PageAsync("taxonomy", skip, first, page => queries.ListTaxonomiesAsync(page, ctx.CancellationToken));
    }

    private static async Task<object?> TaxonomyTermsAsync(IResolveFieldContext<object?> ctx)
    {
        var errors = new Dictionary<string, string[]>();
        var query = new TaxonomyTermListQuery(
            TaxonomyId: ctx.GetGuid("taxonomyId", errors),
            ParentId: ctx.GetGuid("parentId", errors),
            TopOnly: ctx.GetArgument<bool?>("topOnly"),
            Search: Search(ctx, errors));
        var (skip, first) = Window(ctx, "taxonomy_term", errors);
        var queries = ctx.RequestServices!.GetRequiredService<TaxonomyQueries>();
        return await Connections.PageAsync("taxonomy_term", skip, first, page => queries.ListTermsAsync(query, page, ctx.CancellationToken));
    }

    /// <summary>The REST list endpoints' rule for <c>search</c>.</summary>
    private static string? Search(IResolveFieldContext ctx, Dictionary<string, string[]> errors)
    {
        var search = ctx.GetArgument<string?>("search");
        if (SearchText.Problem(search) is { } problem)
        {
            errors["search"] = [problem];
        }
        return search;
    }

    /// <summary>Reads first/after, then reports every argument problem at once, as REST does.</summary>
    private static (int Skip, int First) Window(IResolveFieldContext ctx, string kind, Dictionary<string, string[]> errors)
    {
        var window = Connections.Window(ctx, kind, errors);
        return errors.Count > 0 ? throw GraphQLErrors.Validation(errors) : window;
    }
}
