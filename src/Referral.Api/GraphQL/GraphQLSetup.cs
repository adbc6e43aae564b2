using System.Text.Encodings.Web;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQL.Validation.Complexity;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.GraphQL.Loaders;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

internal static class GraphQLSetup
{
    /// <summary>Nesting levels a query may have (a scalar leaf counts as one): enough for every nested field of a service.</summary>
    public const int MaxDepth = 10;

    /// <summary>
    /// Estimated node count (lists multiply by <c>first</c>, or by <see cref="ListMultiplier"/> for a service's child lists).
    /// Every field of 100 services fits; many aliased copies of that do not.
    /// </summary>
    public const int MaxComplexity = 250_000;

    /// <summary>A service's child lists (phones, schedules, locations …) are short.</summary>
    public const double ListMultiplier = 5;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddReferralGraphQL(this IServiceCollection services, IConfiguration configuration)
    {
        // Batch loaders: one instance (one batch queue) per request.
        services.AddScoped<ServiceDetailLoader>().AddScoped<ServiceVersionLoader>().AddScoped<OrganizationVersionLoader>();
        services.AddGraphQL(b => b
            .AddSchema<ReferralSchema>()
            .AddGraphTypes(typeof(ReferralSchema).Assembly)
            .AddSystemTextJson(o => o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)
            // Resolvers and batch loaders share the request's DbContext, which is not thread-safe.
            .AddExecutionStrategy<SerialExecutionStrategy>(OperationType.Query)
            .AddComplexityAnalyzer(c =>
            {
                c.MaxDepth = MaxDepth;
                c.MaxComplexity = MaxComplexity;
                c.DefaultListImpactMultiplier = ListMultiplier;
                c.ValidateComplexityDelegate = AllowIntrospectionAsync;
            })
            // Stack traces and exception messages only when a setting asks for them, never merely because the app runs in
            // Development (which `make run` always does).
            .AddErrorInfoProvider(new ReferralErrorInfoProvider(exposeExceptionDetails: configuration.GetValue("GraphQL:ExposeExceptionDetails", false)))
            .AddValidationRule(new CostBudgetRule(configuration.GetValue("GraphQL:CostBudget", CostBudgetRule.DefaultBudget)), true)
            .AddUnhandledExceptionHandler(HandleUnhandledException)
            .WithTimeout(Timeout)
            .ValidateServices());
        return services;
    }

    public static IEndpointRouteBuilder MapReferralGraphQL(this IEndpointRouteBuilder app)
    {
        app.MapMethods(GraphQLEndpoint.Route, [HttpMethods.Get, HttpMethods.Post], GraphQLEndpoint.HandleAsync)
            .WithName("GraphQL")
            .ExcludeFromDescription()
            // Browser apps on other sites may run queries with GET; POST (and so every mutation) stays same-origin, like REST writes.
            .RequireCors(Cors.PublicRead)
            .WithMetadata(new RequestSizeLimitAttribute(GraphQLEndpoint.BodyLimit));
        app.MapGraphiQL();
        return app;
    }

    /// <summary>
    /// GraphiQL's introspection query is about 13 levels deep: it may exceed <see cref="MaxDepth"/> (the schema is public, in
    /// schema.graphql), but it still has its own bounds so that introspection cannot be used to burn CPU.
    /// </summary>
    private static Task AllowIntrospectionAsync(ComplexityValidationContext context)
    {
        if (context.Error is not null && IsIntrospection(context.ValidationContext) && context.MaxDepth <= 20 && context.TotalImpact <= 5_000_000)
        {
            context.Error = null;
        }
        return Task.CompletedTask;
    }

    private static bool IsIntrospection(ValidationContext context) =>
        context.Operation.SelectionSet.Selections.All(s => s is GraphQLField f && f.Name.Value.Span.StartsWith("__"));

    /// <summary>
    /// Infrastructure failures get REST's codes (DatabaseExceptionHandler); anything else is logged and stays masked
    /// (INTERNAL_ERROR, no detail outside Development).
    /// </summary>
    private static void HandleUnhandledException(UnhandledExceptionContext context)
    {
        // The same table as REST's ProblemDetails, however EF wrapped the failure.
        var mapped = DatabaseExceptionHandler.Classify(context.OriginalException) is { } failure ? GraphQLErrors.Of(failure.Code, failure.Detail) : null;
        var logger = context.ExecutionOptions.RequestServices?.GetService<ILoggerFactory>()?.CreateLogger(typeof(GraphQLEndpoint).FullName!);
        if (mapped is null)
        {
            logger?.LogError(context.OriginalException, "GraphQL field {Field} failed", context.FieldContext?.FieldDefinition.Name ?? "(document)");
            return;
        }
        if (mapped.Code == ErrorCodes.ServiceUnavailable)
        {
            logger?.LogWarning(context.OriginalException, "GraphQL field {Field} failed", context.FieldContext?.FieldDefinition.Name ?? "(document)");
        }
        context.Exception = mapped;
    }
}
