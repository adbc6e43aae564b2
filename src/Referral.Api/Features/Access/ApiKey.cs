namespace Referral.Api.Features.Access;

/// <summary>An API key: only a salted hash is stored; the key itself is shown once, when created.</summary>
internal sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Role { get; set; }

    /// <summary>For editors: the organization whose records the key may change.</summary>
    public Guid? OrganizationId { get; set; }

    /// <summary>The first characters of the key, to recognise it in lists and logs (never enough to use it).</summary>
    public required string Prefix { get; set; }

    public required byte[] Salt { get; set; }
    public required byte[] Hash { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}
