using GraphQL.Validation;
using GraphQLParser.AST;

namespace Referral.Api.GraphQL;

/// <summary>
/// A per-request budget for the fields that cost real database time, counted over every alias and fragment use before
/// anything runs: one anonymous request could carry 200 aliased <c>nearestServices</c>, each as costly as a REST nearest,
/// and an introspection-only request of 48 KB answered 9.9 MB. The complexity analyzer bounds the size of the answer;
/// this bounds the work. Over budget: an error with <c>extensions.code</c> BAD_REQUEST and <c>reason</c> COST_BUDGET.
/// </summary>
internal sealed class CostBudgetRule(int budget) : ValidationRuleBase
{
    /// <summary>Default budget (setting <c>GraphQL:CostBudget</c>): ten nearest searches, or three referral cards, or two introspections.</summary>
    public const int DefaultBudget = 100;

    /// <summary>Cost units per field; everything else is free here (the complexity analyzer still counts it).</summary>
    public static readonly IReadOnlyDictionary<string, int> Costs = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["nearestServices"] = 10,
        ["referralCard"] = 30,
        ["startGapAnalysis"] = 50,
        ["startPlacement"] = 50,
        ["gapAnalysis"] = 5,
        ["gapAnalyses"] = 5,
        ["placement"] = 5,
        ["placements"] = 5,
        ["places"] = 2,
        ["__schema"] = 40,
        ["__type"] = 2,
    };

    /// <summary>A list with a <c>search</c> argument runs the full-text and trigram search.</summary>
    public const int SearchCost = 5;

    public int Budget { get; } = budget;

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        var fragments = context.Document.Definitions.OfType<GraphQLFragmentDefinition>()
            .GroupBy(f => f.FragmentName.Name.StringValue).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var cost = Cost(context.Operation.SelectionSet, fragments, depth: 0);
        if (cost > Budget)
        {
            context.ReportError(new CostBudgetError(context, cost, Budget));
        }
        return default;
    }

    private static long Cost(GraphQLSelectionSet? set, Dictionary<string, GraphQLFragmentDefinition> fragments, int depth)
    {
        // Fragment cycles are refused by the core rules; the depth guard keeps this walk finite before they run.
        if (set is null || depth > 64)
        {
            return 0;
        }
        long total = 0;
        foreach (var selection in set.Selections)
        {
            total += selection switch
            {
                GraphQLField f => FieldCost(f) + Cost(f.SelectionSet, fragments, depth + 1),
                GraphQLInlineFragment i => Cost(i.SelectionSet, fragments, depth + 1),
                GraphQLFragmentSpread s when fragments.TryGetValue(s.FragmentName.Name.StringValue, out var d) => Cost(d.SelectionSet, fragments, depth + 1),
                _ => 0,
            };
        }
        return total;
    }

    private static int FieldCost(GraphQLField field) =>
        Costs.TryGetValue(field.Name.StringValue, out var cost) ? cost
        : field.Arguments?.Any(a => a.Name.Value.Span.SequenceEqual("search")) == true ? SearchCost
        : 0;
}

internal sealed class CostBudgetError : ValidationError
{
    public CostBudgetError(ValidationContext context, long cost, int budget)
        : base(context.Document.Source, "COST_BUDGET",
            $"This request costs {cost} units; at most {budget} are allowed per request (nearestServices 10, referralCard 30, a search 5, "
            + "__schema 40 …). Split it into several requests.",
            context.Operation)
    {
    }
}
