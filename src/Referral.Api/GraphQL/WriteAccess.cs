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
    public static async Task EnsureAsync(IResolveFieldContext context, string policy = Authorization.WritePolicy)
    {
        var authorization = context.RequestServices!.GetRequiredService<IAuthorizationService>();
        var user = context.User ?? new ClaimsPrincipal(new ClaimsIdentity());
        var result = await authorization.AuthorizeAsync(user, resource: null, policy);
        if (!result.Succeeded)
        {
            throw user.Identity?.IsAuthenticated == true
                ? GraphQLErrors.Of(ErrorCodes.Forbidden, policy == Authorization.WritePolicy ? "You are not allowed to change the directory." : "You are not allowed to do this.")
                : GraphQLErrors.Of(ErrorCodes.Unauthorized, policy == Authorization.WritePolicy ? "Sign in to change the directory." : "Sign in to do this.");
        }
    }
}
