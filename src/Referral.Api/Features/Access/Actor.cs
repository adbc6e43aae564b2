using System.Security.Claims;
using Referral.Api.Features.Locations;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Access;

/// <summary>
/// The caller of this request (or the CLI/seeder): its name for the audit log, its role, and what it may see
/// and change. One place answers "may this caller see the exact point?" and "may it write this organization?".
/// </summary>
internal sealed class Actor
{
    public static readonly Actor Anonymous = new("anonymous", null, null);

    public Actor(string name, string? role, Guid? organizationId)
    {
        Name = name;
        Role = role;
        OrganizationId = organizationId;
    }

    public string Name { get; }
    public string? Role { get; }
    public Guid? OrganizationId { get; }

    public bool IsAdmin => Role == Roles.Admin;

    public static Actor System(string name) => new(name, Roles.Admin, null);

    public static Actor From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return Anonymous;
        }
        var role = Roles.All.FirstOrDefault(user.IsInRole);
        var org = Guid.TryParse(user.FindFirstValue(Roles.OrganizationClaim), out var id) ? id : (Guid?)null;
        var name = user.Identity.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.FindFirstValue("sub") ?? "unknown";
        return new Actor(name, role, org);
    }

    /// <summary>Admins write everything; editors only records of their own organization.</summary>
    public bool MayWrite(Guid organizationId) => IsAdmin || (Role == Roles.Editor && OrganizationId == organizationId);

    /// <summary>The truth about a location: admins always; the owning organization's editors; caseworkers for approximate ones.</summary>
    public bool SeesExact(Location location) =>
        IsAdmin
        || (Role == Roles.Editor && location.OrganizationId is { } org && org == OrganizationId)
        || (Role is Roles.Caseworker or Roles.Editor && location.Visibility == Confidentiality.Approximate);

    /// <summary>Whether this caller sees anything beyond the public view at all (then queries must consider exact points).</summary>
    public bool IsPrivileged => Role is Roles.Admin or Roles.Editor or Roles.Caseworker;
}

/// <summary>The current request's actor; the CLI and seeder set a system actor.</summary>
internal sealed class ActorContext(IHttpContextAccessor http)
{
    private Actor? _override;

    public Actor Current => _override ?? Actor.From(http.HttpContext?.User);

    public void Set(Actor actor) => _override = actor;
}
