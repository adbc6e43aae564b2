using GraphQL.Types;

namespace Referral.Api.GraphQL;

/// <summary>The GraphQL schema (a singleton); <c>schema.graphql</c> at the repository root is printed from it.</summary>
internal sealed class ReferralSchema : Schema
{
    public ReferralSchema(IServiceProvider services, QueryType query, MutationType mutation) : base(services)
    {
        Description = "Referral: a directory of support services for children (HSDS 3.1). The same data and rules as the REST API under /api.";
        Query = query;
        Mutation = mutation;
        // Introspection with inputValueDeprecation (args(includeDeprecated: true), as GraphiQL and codegen tools send it).
        Features.DeprecationOfInputValues = true;
        RegisterVisitor(new SchemaDescriptions());
    }
}
