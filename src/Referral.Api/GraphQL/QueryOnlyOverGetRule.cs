using GraphQL.Validation;
using GraphQLParser.AST;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// GraphQL-over-HTTP: GET may only run queries (a GET must be safe; browsers and proxies replay and prefetch GETs).
/// GraphQL.Server's HttpGetValidationRule is in a package we cannot use, so this is our own.
/// </summary>
internal sealed class QueryOnlyOverGetRule : ValidationRuleBase
{
    public static readonly QueryOnlyOverGetRule Instance = new();

    public override ValueTask<INodeVisitor?> GetPreNodeVisitorAsync(ValidationContext context)
    {
        if (context.Operation.Operation != OperationType.Query)
        {
            context.ReportError(new MethodNotAllowedError(context));
        }
        return default;
    }
}

internal sealed class MethodNotAllowedError : ValidationError
{
    public MethodNotAllowedError(ValidationContext context)
        : base(context.Document.Source, number: null,
            $"Only queries may be sent with GET; send this {context.Operation.Operation.ToString().ToLowerInvariant()} with POST.",
            context.Operation) => Code = ErrorCodes.MethodNotAllowed;
}
