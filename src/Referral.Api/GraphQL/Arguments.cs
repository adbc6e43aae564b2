using GraphQL;
using Microsoft.Net.Http.Headers;

namespace Referral.Api.GraphQL;

internal static class Arguments
{
    /// <summary>An <c>ID</c> argument as a UUID (HSDS ids are UUIDs); anything else is VALIDATION_FAILED for that argument.</summary>
    public static Guid? GetGuid(this IResolveFieldContext context, string name, Dictionary<string, string[]> errors)
    {
        var value = context.GetArgument<string?>(name);
        if (value is null)
        {
            return null;
        }
        if (Guid.TryParse(value, out var id))
        {
            return id;
        }
        errors[name] = ["must be a UUID."];
        return null;
    }

    /// <summary>A required UUID argument; throws VALIDATION_FAILED when it is not one.</summary>
    public static Guid GetRequiredGuid(this IResolveFieldContext context, string name)
    {
        var errors = new Dictionary<string, string[]>();
        return context.GetGuid(name, errors) is { } id ? id : throw GraphQLErrors.Validation(errors.Count > 0 ? errors : new() { [name] = ["is required."] });
    }

    /// <summary>
    /// The <c>ifMatch</c> argument as REST's If-Match precondition: no value always holds; otherwise one of the listed entity
    /// tags (<c>W/"123"</c>, <c>"123"</c>, or <c>*</c>) must match the current version. A bare <c>123</c> is read as <c>"123"</c>.
    /// </summary>
    public static Func<uint, bool> IfMatch(this IResolveFieldContext context)
    {
        var value = context.GetArgument<string?>("ifMatch")?.Trim();
        if (value is null)
        {
            return _ => true;
        }
        if (value.All(char.IsAsciiDigit))
        {
            value = $"\"{value}\"";
        }
        var parsed = EntityTagHeaderValue.TryParseList([value], out var tags);
        return version => parsed && tags!.Any(t => t.Tag == "*" || t.Tag == $"\"{version}\"");
    }
}
