using System.Security.Claims;
using GraphQL;
using Microsoft.AspNetCore.Authorization;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// Mutations pass the same authorization policy as REST writes (<see cref="Authorization.WritePolicy"/>); tightening that
/// policy, or this one check, closes GraphQL writes too.
/// </summary>
internal static class WriteAccess
{
    public static async Task EnsureAsync(IResolveFieldContext context)
    {
        var authorization = context.RequestServices!.GetRequiredService<IAuthorizationService>();
        var user = context.User ?? new ClaimsPrincipal(new ClaimsIdentity());
        var result = await authorization.AuthorizeAsync(user, resource: null, Authorization.WritePolicy);
        if (!result.Succeeded)
        {
            throw user.Identity?.IsAuthenticated == true
                ? GraphQLErrors.Of(ErrorCodes.Forbidden, "You are not allowed to change the directory.")
                : GraphQLErrors.Of(ErrorCodes.Unauthorized, "Sign in to change the directory.");
        }
    }
}
