using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// Puts the REST error vocabulary (<see cref="ErrorCodes"/>) into <c>extensions.code</c> of every error. GraphQL.NET's own,
/// more specific code (SYNTAX_ERROR, FIELDS_ON_CORRECT_TYPE, COMPLEXITY, TIMEOUT …) goes to <c>extensions.reason</c>.
/// Unhandled exceptions become INTERNAL_ERROR; their message and type name are only shown in Development.
/// </summary>
internal sealed class ReferralErrorInfoProvider(bool exposeExceptionDetails) : ErrorInfoProvider(new ErrorInfoProviderOptions
{
    ExposeExceptionDetails = exposeExceptionDetails,
    // The default code list is derived from exception type names (e.g. INVALID_OPERATION): internal detail.
    ExposeCodes = false,
})
{
    private static readonly HashSet<string> Vocabulary =
    [
        ErrorCodes.ValidationFailed, ErrorCodes.MalformedJson, ErrorCodes.UnsupportedMediaType, ErrorCodes.PayloadTooLarge,
        ErrorCodes.BadRequest, ErrorCodes.NotFound, ErrorCodes.MethodNotAllowed, ErrorCodes.Conflict, ErrorCodes.InUse,
        ErrorCodes.PreconditionFailed, ErrorCodes.Unauthorized, ErrorCodes.Forbidden, ErrorCodes.TooManyRequests,
        ErrorCodes.ServiceUnavailable, ErrorCodes.Internal, ErrorCodes.TooManyAnalyses,
    ];

    public override ErrorInfo GetInfo(ExecutionError executionError)
    {
        var info = base.GetInfo(executionError);
        var extensions = info.Extensions ?? new Dictionary<string, object?>();
        var (code, reason) = Classify(executionError);
        extensions["code"] = code;
        if (reason is not null && reason != code)
        {
            extensions["reason"] = reason;
        }
        return info with { Extensions = extensions };
    }

    public static (string Code, string? Reason) Classify(ExecutionError error) => error switch
    {
        { Code: { } c } when Vocabulary.Contains(c) => (c, null),
        UnhandledError => (ErrorCodes.Internal, null),
        TimeoutError => (ErrorCodes.ServiceUnavailable, error.Code),
        DocumentError or RequestError or ValidationError => (ErrorCodes.BadRequest, error.Code),
        _ => (ErrorCodes.BadRequest, error.Code),
    };
}
