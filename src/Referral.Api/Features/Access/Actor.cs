using System.Linq.Expressions;
using System.Security.Claims;
using Referral.Api.Features.Locations;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Access;

/// <summary>
/// The caller of this request (or the CLI/seeder): its name for the audit log, its role, and what it may see
/// and change. One place answers "may this caller see the exact place?" (<see cref="ExactRule"/>) and "may it
/// write this organization?".
/// </summary>
internal sealed class Actor
{
    public static readonly Actor Anonymous = new("anonymous", null, null);

    /// <summary>
    /// THE rule of who sees a location exactly (DESIGN.md "Confidentiality"), over the location's organization and
    /// visibility: public ones everybody; admins everything; an editor only its own organization's; a caseworker
    /// <c>approximate</c> ones (never another organization's <c>hidden</c> ones); planners and anonymous callers
    /// nothing more than the public view. It is an expression so that SQL filters (<see cref="SeesExactWhere{T}"/>)
    /// and in-memory mapping (<see cref="SeesExact(Guid?, string)"/>) run the very same rule.
    /// </summary>
    private static readonly Expression<Func<Guid?, string, ExactGrant, bool>> ExactRule = (organizationId, visibility, grant) =>
        visibility == Confidentiality.Public
        || grant.Everything
        || (grant.Organization != null && organizationId == grant.Organization)
        || (grant.Approximate && visibility == Confidentiality.Approximate);

    private static readonly Func<Guid?, string, ExactGrant, bool> CompiledRule = ExactRule.Compile();

    public Actor(string name, string? role, Guid? organizationId)
    {
        Name = name;
        Role = role;
        OrganizationId = organizationId;
        Grant = new ExactGrant(
            Everything: role == Roles.Admin,
            Organization: role == Roles.Editor ? organizationId : null,
            Approximate: role == Roles.Caseworker);
    }

    public string Name { get; }
    public string? Role { get; }
    public Guid? OrganizationId { get; }

    /// <summary>What this caller may see beyond the public view (the inputs of <see cref="ExactRule"/>).</summary>
    public ExactGrant Grant { get; }

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

    /// <summary>
    /// Who owns the planning data this caller creates (demand datasets, gap analyses): its organization when the key
    /// is bound to one (so colleagues share it), else the caller itself by name (an admin's or planner's own key).
    /// </summary>
    public (Guid? Organization, string? Actor) PlanningOwner => OrganizationId is { } org ? (org, null) : (null, Name);

    /// <summary>
    /// Whether this caller may replace, delete or cancel planning data of that owner: admins always; otherwise only
    /// the owner (same organization, or the same key when there is no organization). Demo and ownerless data: admins only.
    /// </summary>
    public bool MayChangePlanning(Guid? ownerOrganization, string? ownerActor, bool isDemo) =>
        IsAdmin
        || (!isDemo && Role is Roles.Planner or Roles.Editor
            && (ownerOrganization is { } org ? org == OrganizationId : ownerActor is not null && OrganizationId is null && ownerActor == Name));

    /// <summary>Whether this caller sees the location exactly (point, address, name, description): <see cref="ExactRule"/>.</summary>
    public bool SeesExact(Location location) => SeesExact(location.OrganizationId, location.Visibility);

    /// <summary><see cref="ExactRule"/> for a location known by its organization and visibility.</summary>
    public bool SeesExact(Guid? organizationId, string visibility) => CompiledRule(organizationId, visibility, Grant);

    /// <summary>
    /// <see cref="ExactRule"/> as a SQL-translatable filter over rows that reach a location through
    /// <paramref name="location"/> (e.g. <c>x =&gt; x.Location!</c>).
    /// </summary>
    public Expression<Func<T, bool>> SeesExactWhere<T>(Expression<Func<T, Location>> location)
    {
        var row = location.Parameters[0];
        var body = new Substitute(new Dictionary<ParameterExpression, Expression>
        {
            [ExactRule.Parameters[0]] = Expression.Property(location.Body, nameof(Location.OrganizationId)),
            [ExactRule.Parameters[1]] = Expression.Property(location.Body, nameof(Location.Visibility)),
            [ExactRule.Parameters[2]] = Expression.Property(Expression.Constant(this), nameof(Grant)),
        }).Visit(ExactRule.Body);
        return Expression.Lambda<Func<T, bool>>(body, row);
    }

    /// <summary>
    /// Rows this caller may list at all: every row whose location is not <c>hidden</c>, and hidden ones only where
    /// <see cref="ExactRule"/> lets it see them (a hidden place is never shown generalised: it is left out).
    /// </summary>
    public Expression<Func<T, bool>> MayListWhere<T>(Expression<Func<T, Location>> location)
    {
        var exact = SeesExactWhere(location);
        var notHidden = Expression.NotEqual(
            Expression.Property(location.Body, nameof(Location.Visibility)), Expression.Constant(Confidentiality.Hidden));
        return Expression.Lambda<Func<T, bool>>(Expression.OrElse(notHidden, exact.Body), exact.Parameters);
    }

    /// <summary>Whether this caller sees anything beyond the public view at all (then queries must consider exact points).</summary>
    public bool IsPrivileged => Grant.Everything || Grant.Organization is not null || Grant.Approximate;

    private sealed class Substitute(Dictionary<ParameterExpression, Expression> map) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => map.TryGetValue(node, out var e) ? e : node;
    }
}

/// <summary>
/// What a role adds to the public view: <paramref name="Everything"/> (admins), the locations of one
/// <paramref name="Organization"/> (its editors), or every <c>approximate</c> location (caseworkers).
/// </summary>
internal sealed record ExactGrant(bool Everything, Guid? Organization, bool Approximate);

/// <summary>The current request's actor; the CLI and seeder set a system actor.</summary>
internal sealed class ActorContext(IHttpContextAccessor http)
{
    private Actor? _override;

    public Actor Current => _override ?? Actor.From(http.HttpContext?.User);

    public void Set(Actor actor) => _override = actor;
}
