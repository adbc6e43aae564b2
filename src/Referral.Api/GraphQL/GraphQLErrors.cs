using System.Text;
using GraphQL;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// Expected failures as GraphQL errors, with <c>extensions.code</c> from the same vocabulary REST uses
/// (<see cref="ErrorCodes"/>), so a client can handle both APIs alike.
/// </summary>
internal static class GraphQLErrors
{
    public static ExecutionError Of(string code, string message) => new(message) { Code = code };

    public static ExecutionError NotFound(string what, Guid id) => Of(ErrorCodes.NotFound, $"No {what} with id {id}.");

    /// <summary>
    /// VALIDATION_FAILED with <c>extensions.fields</c>: field path → messages, like REST's <c>errors</c>, but with the
    /// GraphQL (camelCase) names, e.g. <c>phones[0].number</c>, <c>serviceAtLocations[0].location.latitude</c>.
    /// </summary>
    public static ExecutionError Validation(IDictionary<string, string[]> errors)
    {
        var fields = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (path, messages) in errors)
        {
            fields[FieldPath(path)] = messages;
        }
        var error = Of(ErrorCodes.ValidationFailed, "The input has invalid fields; see extensions.fields.");
        error.Extensions = new() { ["fields"] = fields };
        return error;
    }

    public static ExecutionError Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Maps a writer's non-success outcome exactly as the REST endpoints do, status for status.</summary>
    public static ExecutionError FromOutcome(WriteOutcome outcome, string what) => outcome.Status switch
    {
        WriteStatus.Invalid => Validation(outcome.Errors ?? []),
        WriteStatus.NotFound => NotFound(what, outcome.Id),
        WriteStatus.PreconditionFailed => Of(ErrorCodes.PreconditionFailed,
            $"ifMatch does not match the current version {Etags.For(outcome.Version)}; reload the record and try again."),
        WriteStatus.Conflict => Of(ErrorCodes.Conflict, outcome.Detail ?? "Conflict."),
        WriteStatus.InUse => Of(ErrorCodes.InUse, outcome.Detail ?? "The record is in use."),
        WriteStatus.Forbidden => Of(ErrorCodes.Forbidden, outcome.Detail ?? "Forbidden."),
        _ => Of(ErrorCodes.BadRequest, outcome.Detail ?? "Bad request."),
    };

    /// <summary><c>service_at_locations[0].location.address_1</c> → <c>serviceAtLocations[0].location.address1</c>.</summary>
    internal static string FieldPath(string jsonPath)
    {
        var result = new StringBuilder(jsonPath.Length);
        var upper = false;
        foreach (var c in jsonPath)
        {
            if (c == '_')
            {
                upper = true;
                continue;
            }
            result.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return result.ToString();
    }
}
