using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Referral.Api.Features.Access;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Access;

/// <summary>JWT bearer (OpenID Connect deployments), here with a signing key generated for the test.</summary>
public sealed class JwtTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);
    private readonly ReferralApiFactory _factory = new()
    {
        Settings =
        {
            ["Authentication:Jwt:Issuer"] = "https://idp.example.org",
            ["Authentication:Jwt:Audience"] = "referral-api",
            ["Authentication:Jwt:SigningKey"] = Convert.ToBase64String(SigningKey),
        },
    };

    public Task InitializeAsync() => ((IAsyncLifetime)_factory).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_factory).DisposeAsync();

    public void Dispose() => _factory.Dispose();

    private static string Token(string role, byte[] key, string audience = "referral-api", Guid? organization = null) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "https://idp.example.org",
        Audience = audience,
        Subject = new ClaimsIdentity([new Claim("sub", "alice@idp"), new Claim("role", role),
            .. organization is { } org ? [new Claim(Roles.OrganizationClaim, org.ToString())] : Array.Empty<Claim>()]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
    });

    private async Task<HttpStatusCode> CreateOrganizationAsync(string token)
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await client.PostAsJsonAsync("/api/organizations", TestData.Organization("via JWT"))).StatusCode;
    }

    [Fact]
    public async Task Jwt_WithoutAnAudience_TheServiceDoesNotStart()
    {
        // A second instance on this class's database (it neither creates nor drops one).
        using var noAudience = new ReferralApiFactory(_factory)
        {
            Settings =
            {
                ["Authentication:Jwt:Issuer"] = "https://idp.example.org",
                ["Authentication:Jwt:SigningKey"] = Convert.ToBase64String(SigningKey),
            },
        };
        var refused = await Record.ExceptionAsync(() => ((IAsyncLifetime)noAudience).InitializeAsync());
        Assert.Contains("Authentication:Jwt:Audience must be set", refused?.ToString() ?? "(started)");
    }

    [Fact]
    public async Task Jwt_SignedAdminToken_Writes_OthersAreRefused()
    {
        Assert.Equal(HttpStatusCode.Created, await CreateOrganizationAsync(Token("admin", SigningKey)));
        Assert.Equal(HttpStatusCode.Forbidden, await CreateOrganizationAsync(Token("caseworker", SigningKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, await CreateOrganizationAsync(Token("admin", RandomNumberGenerator.GetBytes(32))));
        Assert.Equal(HttpStatusCode.Unauthorized, await CreateOrganizationAsync(Token("admin", SigningKey, audience: "someone-else")));
        var audit = await _factory.WithDbAsync(d => Task.FromResult(d.AuditEntries.Where(e => e.EntityType == "organization").Select(e => e.Actor).ToList()));
        Assert.Equal(["alice@idp"], audit);
    }

    [Fact]
    public async Task Jwt_EditorOfAnOrganizationThatDoesNotExist_MayNotCreateIt()
    {
        // An identity provider's token names an organization the directory does not hold (yet, or any more): creating
        // organizations is for admins, whatever the editor's token says.
        var missing = Guid.CreateVersion7();
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("editor", SigningKey, organization: missing));

        var put = await client.PutAsJsonAsync($"/api/organizations/{missing}", TestData.Organization("claimed by a token"));

        await Problem.AssertAsync(put, HttpStatusCode.Forbidden, "FORBIDDEN");
        Assert.False(await _factory.WithDbAsync(d => d.Organizations.AnyAsync(o => o.Id == missing)));
    }
}
