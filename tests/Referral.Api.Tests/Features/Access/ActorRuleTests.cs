using System.Security.Claims;
using Referral.Api.Features.Access;

namespace Referral.Api.Tests.Features.Access;

/// <summary>
/// The rules of <see cref="Actor"/> on their own, without a server: the name the audit log gives a caller, who may change
/// planning data, and who is privileged (gets exact distances to the places it may see). The end-to-end tests
/// (ExactnessMatrixTests, PlanningOwnershipTests, JwtTests) show the same rules through the API.
/// </summary>
public sealed class ActorRuleTests
{
    private static readonly Guid OrgA = Guid.Parse("0193a000-0000-7000-8000-00000000000a");
    private static readonly Guid OrgB = Guid.Parse("0193a000-0000-7000-8000-00000000000b");

    private static ClaimsPrincipal User(params Claim[] claims) => new(new ClaimsIdentity(claims, authenticationType: "test"));

    [Fact]
    public void From_NamesTheCaller_ByName_ThenNameIdentifier_ThenSubject_ElseUnknown()
    {
        Claim name = new(ClaimTypes.Name, "Ana"), id = new(ClaimTypes.NameIdentifier, "id-7"), sub = new("sub", "alice@idp");

        Assert.Equal("Ana", Actor.From(User(name, id, sub)).Name);
        Assert.Equal("id-7", Actor.From(User(id, sub)).Name);
        Assert.Equal("alice@idp", Actor.From(User(sub)).Name);
        Assert.Equal("unknown", Actor.From(User()).Name);
        Assert.Equal("anonymous", Actor.From(new ClaimsPrincipal(new ClaimsIdentity())).Name);
        Assert.Equal("anonymous", Actor.From(null).Name);
        Assert.Same(Actor.Anonymous, Actor.From(null));
    }

    [Fact]
    public void MayChangePlanning_OwnersOnly_DemoAndOwnerlessDataAdminsOnly()
    {
        var plannerOfA = new Actor("planner-a", Roles.Planner, OrgA);
        var plannerByName = new Actor("me", Roles.Planner, null);
        var caseworkerOfA = new Actor("cw-a", Roles.Caseworker, OrgA);
        var admin = new Actor("admin", Roles.Admin, null);

        Assert.True(plannerOfA.MayChangePlanning(OrgA, null, isDemo: false));
        Assert.False(plannerOfA.MayChangePlanning(OrgA, null, isDemo: true));
        Assert.False(plannerOfA.MayChangePlanning(OrgB, null, isDemo: false));
        // Owned by a key's name: only that key, and only while it belongs to no organization.
        Assert.False(plannerOfA.MayChangePlanning(null, "planner-a", isDemo: false));
        Assert.True(plannerByName.MayChangePlanning(null, "me", isDemo: false));
        Assert.False(plannerByName.MayChangePlanning(null, "me", isDemo: true));
        Assert.False(plannerByName.MayChangePlanning(null, "someone-else", isDemo: false));
        Assert.False(plannerByName.MayChangePlanning(null, null, isDemo: false));
        Assert.False(plannerByName.MayChangePlanning(OrgA, null, isDemo: false));
        // Caseworkers read planning data; they change none, not even their organization's.
        Assert.False(caseworkerOfA.MayChangePlanning(OrgA, null, isDemo: false));
        Assert.True(admin.MayChangePlanning(OrgA, null, isDemo: true));
        Assert.True(admin.MayChangePlanning(null, null, isDemo: false));
    }

    [Fact]
    public void IsPrivileged_OnlyRolesThatSeeMoreThanThePublic()
    {
        Assert.False(Actor.Anonymous.IsPrivileged);
        Assert.False(new Actor("p", Roles.Planner, null).IsPrivileged);
        Assert.False(new Actor("p", Roles.Planner, OrgA).IsPrivileged);
        Assert.True(new Actor("c", Roles.Caseworker, null).IsPrivileged);
        Assert.True(new Actor("e", Roles.Editor, OrgA).IsPrivileged);
        Assert.True(new Actor("a", Roles.Admin, null).IsPrivileged);
        // The organization grant is an editor's alone: a caseworker or planner key bound to an organization gains nothing.
        Assert.Null(new Actor("c", Roles.Caseworker, OrgA).Grant.Organization);
        Assert.Null(new Actor("p", Roles.Planner, OrgA).Grant.Organization);
        Assert.Equal(OrgA, new Actor("e", Roles.Editor, OrgA).Grant.Organization);
    }
}
