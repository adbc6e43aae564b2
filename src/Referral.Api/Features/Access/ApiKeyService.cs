using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;

namespace Referral.Api.Features.Access;

internal sealed record ApiKeySummary(Guid Id, string Name, string Role, Guid? OrganizationId, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// API keys: <c>rfk_</c> + 32 random URL-safe characters. Only a salted HMAC-SHA-256 is stored; the key is shown
/// once. The first 12 characters (the prefix) find the row; the hash is compared in constant time.
/// </summary>
internal sealed class ApiKeyService(ReferralDbContext db, TimeProvider clock)
{
    public const string KeyPrefix = "rfk_";
    private const int PrefixLength = 12;

    public async Task<(ApiKeySummary Key, string Secret)> CreateAsync(string name, string role, Guid? organizationId, CancellationToken ct)
    {
        if (!Roles.All.Contains(role))
        {
            throw new ApiKeyException($"Unknown role '{role}'; one of: {string.Join(", ", Roles.All)}.");
        }
        if (role == Roles.Editor && organizationId is null)
        {
            throw new ApiKeyException("An editor key belongs to an organization: give its id (--organization <id>).");
        }
        if (organizationId is { } org && !await db.Organizations.AnyAsync(o => o.Id == org, ct))
        {
            throw new ApiKeyException($"No organization with id {org}.");
        }
        if (await db.ApiKeys.AnyAsync(k => k.Name == name, ct))
        {
            throw new ApiKeyException($"A key named '{name}' already exists.");
        }
        var secret = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(24));
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            Name = name,
            Role = role,
            OrganizationId = organizationId,
            Prefix = secret[..PrefixLength],
            Salt = salt,
            Hash = Hash(salt, secret),
            CreatedAt = clock.GetUtcNow(),
        };
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        return (Summary(key), secret);
    }

    public async Task<ApiKey?> VerifyAsync(string secret, CancellationToken ct)
    {
        if (secret.Length < PrefixLength || !secret.StartsWith(KeyPrefix, StringComparison.Ordinal) || secret.Length > 128)
        {
            return null;
        }
        var prefix = secret[..PrefixLength];
        var candidates = await db.ApiKeys.AsNoTracking().Where(k => k.Prefix == prefix && k.RevokedAt == null).ToListAsync(ct);
        return candidates.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(k.Hash, Hash(k.Salt, secret)));
    }

    public async Task<List<ApiKeySummary>> ListAsync(CancellationToken ct) =>
        [.. (await db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(ct)).Select(Summary)];

    /// <summary>Revokes by name or id; true when a key was revoked now.</summary>
    public async Task<bool> RevokeAsync(string nameOrId, CancellationToken ct)
    {
        var byId = Guid.TryParse(nameOrId, out var id);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => (byId && k.Id == id) || k.Name == nameOrId, ct);
        if (key is null || key.RevokedAt is not null)
        {
            return false;
        }
        key.RevokedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return true;
    }

    private static ApiKeySummary Summary(ApiKey k) => new(k.Id, k.Name, k.Role, k.OrganizationId, k.Prefix, k.CreatedAt, k.RevokedAt);

    private static byte[] Hash(byte[] salt, string secret) => HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A key cannot be created as asked; the message is for the person running the CLI.</summary>
internal sealed class ApiKeyException(string message) : Exception(message);
