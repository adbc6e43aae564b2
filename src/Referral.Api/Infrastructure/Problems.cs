using Microsoft.AspNetCore.Http.HttpResults;

namespace Referral.Api.Infrastructure;

/// <summary>ProblemDetails results with our stable <c>code</c>; expected failures are results, not exceptions.</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ProblemHttpResult NotFound(string what, Guid id) =>
        Of(StatusCodes.Status404NotFound, ErrorCodes.NotFound, "Not found", $"No {what} with id {id}.");

    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail: detail ?? "The request has invalid fields; see errors.",
            title: "Validation failed", extensions: new Dictionary<string, object?> { ["code"] = ErrorCodes.ValidationFailed });

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });
}
