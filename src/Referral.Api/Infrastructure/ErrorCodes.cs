namespace Referral.Api.Infrastructure;

/// <summary>The stable error vocabulary shared by REST (<c>code</c> extension) and GraphQL (<c>extensions.code</c>).</summary>
internal static class ErrorCodes
{
    public const string ValidationFailed = "VALIDATION_FAILED";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string BadRequest = "BAD_REQUEST";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string Conflict = "CONFLICT";
    public const string InUse = "IN_USE";
    public const string PreconditionFailed = "PRECONDITION_FAILED";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string TooManyRequests = "TOO_MANY_REQUESTS";

    /// <summary>The caller already has as many gap analyses queued or running as it may (429).</summary>
    public const string TooManyAnalyses = "TOO_MANY_ANALYSES";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string Internal = "INTERNAL_ERROR";

    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => ValidationFailed,
        429 => TooManyRequests,
        503 => ServiceUnavailable,
        _ => status >= 500 ? Internal : BadRequest,
    };
}
