namespace Referral.Api.Features.Access;

/// <summary>Who may do what (DESIGN.md "Confidentiality", issue "Trust and safety").</summary>
internal static class Roles
{
    /// <summary>Public reads plus the exact place of <c>approximate</c> locations.</summary>
    public const string Caseworker = "caseworker";

    /// <summary>Writes to the organization the key is bound to; sees its exact locations.</summary>
    public const string Editor = "editor";

    /// <summary>
    /// Demand datasets and gap analyses of its own (create, replace, delete, cancel); no directory writes and no
    /// exact places (the public view, like anonymous callers).
    /// </summary>
    public const string Planner = "planner";

    /// <summary>Everything: all writes, keys, imports, audit, exact places.</summary>
    public const string Admin = "admin";

    public static readonly string[] All = [Caseworker, Editor, Planner, Admin];

    public const string OrganizationClaim = "organization_id";
}
