using System.Security.Claims;
using GraphQL;
using Microsoft.AspNetCore.Authorization;
using Referral.Api.Features.Access;
using Referral.Api.GraphQL;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Placements;

/// <summary>Who may start and delete placements: the one place that says so, for REST and GraphQL alike.</summary>
internal static class PlacementAccess
{
    public const string Policy = "placement-write";

    /// <summary>Planning is open to editors and admins; the planner role (issue 11) joins here with one line once it exists.</summary>
    public static readonly string[] AllowedRoles = [Roles.Planner, Roles.Editor, Roles.Admin];

    public static AuthorizationBuilder AddPlacementPolicy(this AuthorizationBuilder builder) =>
        builder.AddPolicy(Policy, p => p.RequireRole(AllowedRoles));

    public static async Task EnsureAsync(IResolveFieldContext context)
    {
        var authorization = context.RequestServices!.GetRequiredService<IAuthorizationService>();
        var user = context.User ?? new ClaimsPrincipal(new ClaimsIdentity());
        var result = await authorization.AuthorizeAsync(user, resource: null, Policy);
        if (!result.Succeeded)
        {
            throw user.Identity?.IsAuthenticated == true
                ? GraphQLErrors.Of(ErrorCodes.Forbidden, "Placements are for planners, editors and admins.")
                : GraphQLErrors.Of(ErrorCodes.Unauthorized, "Sign in to start a placement.");
        }
    }
}
