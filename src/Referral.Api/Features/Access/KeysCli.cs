using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Access;

/// <summary>
/// <c>keys create|list|revoke</c> (parsed in <see cref="Cli"/>). <c>keys create</c> prints the new key alone on its last
/// line; it is shown only this once. Errors are one sentence on stderr and exit code 1.
/// </summary>
internal static class KeysCli
{
    public static async Task<int> CreateAsync(ApiKeyService keys, string role, string name, string? organization, CancellationToken ct)
    {
        name = name.Trim();
        if (name.Length is 0 or > Limits.Short || name.Any(char.IsControl))
        {
            return await FailAsync($"--name: give a name of 1 to {Limits.Short} characters (no control characters).");
        }
        Guid? org = null;
        if (organization is not null)
        {
            if (!Guid.TryParse(organization, out var parsed))
            {
                return await FailAsync($"--organization: '{organization}' is not an organization id (a UUID such as 3f2c5a1e-8d4b-4c2a-9e1f-0a1b2c3d4e5f).");
            }
            org = parsed;
        }
        try
        {
            var (key, secret) = await keys.CreateAsync(name, role, org, ct);
            await Console.Out.WriteLineAsync($"Created {key.Role} key '{key.Name}' ({key.Id}). Store it now; it is not shown again:");
            await Console.Out.WriteLineAsync(secret);
            return Cli.Ok;
        }
        catch (ApiKeyException ex)
        {
            return await FailAsync(ex.Message);
        }
    }

    public static async Task<int> ListAsync(ApiKeyService keys, CancellationToken ct)
    {
        foreach (var k in await keys.ListAsync(ct))
        {
            await Console.Out.WriteLineAsync(
                $"{k.Id}  {k.Prefix}…  {k.Role,-10}  {k.Name}{(k.OrganizationId is { } o ? $"  org={o}" : "")}  created {k.CreatedAt:u}{(k.RevokedAt is { } r ? $"  REVOKED {r:u}" : "")}");
        }
        return Cli.Ok;
    }

    public static async Task<int> RevokeAsync(ApiKeyService keys, string which, CancellationToken ct)
    {
        if (await keys.RevokeAsync(which, ct))
        {
            await Console.Out.WriteLineAsync($"Revoked '{which}'.");
            return Cli.Ok;
        }
        return await FailAsync($"No active key '{which}'.");
    }

    private static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync($"keys: {message}");
        return Cli.BadArguments;
    }
}
