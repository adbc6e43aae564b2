using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Referral.Api.Features.Access;

namespace Referral.Api.Infrastructure;

internal sealed class JwtOptions
{
    /// <summary>OpenID Connect authority (issuer URL); its signing keys are discovered from it.</summary>
    public string? Authority { get; set; }

    public string? Audience { get; set; }

    /// <summary>Without an authority: the expected issuer and a PEM RSA public key or a base64 symmetric key.</summary>
    public string? Issuer { get; set; }

    public string? SigningKey { get; set; }

    public string RoleClaim { get; set; } = "role";

    public string NameClaim { get; set; } = "sub";

    public bool Enabled => !string.IsNullOrEmpty(Authority) || !string.IsNullOrEmpty(SigningKey);
}

internal static class Authorization
{
    /// <summary>Every directory write goes through this one policy: editors (their own organization) and admins.</summary>
    public const string WritePolicy = "directory-write";

    /// <summary>Planning data of one's own (demand datasets, gap analyses): planners, editors and admins.</summary>
    public const string PlanningPolicy = "planning";

    /// <summary>Keys, imports, audit log.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Reviewing public feedback: editors and admins.</summary>
    public const string ReviewPolicy = "review";

    private const string Selector = "Referral";

    public static IServiceCollection AddReferralAuthorization(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<ActorContext>();
        services.AddScoped<ApiKeyService>();
        var jwt = configuration.GetSection("Authentication:Jwt").Get<JwtOptions>() ?? new JwtOptions();
        // Without an audience any token the identity provider signed — for another application of the same realm, with a
        // role claim of its own — would be taken as ours: JWT is refused at start-up without one.
        services.AddOptions<JwtOptions>().BindConfiguration("Authentication:Jwt")
            .Validate(o => !o.Enabled || !string.IsNullOrWhiteSpace(o.Audience),
                "Authentication:Jwt:Audience must be set when JWT is enabled (Authority or SigningKey): tokens the identity provider issued for other applications would be accepted.")
            .ValidateOnStart();

        var auth = services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, "API key or JWT bearer", o => o.ForwardDefaultSelector = http =>
                jwt.Enabled && ApiKeyAuthenticationHandler.ReadKey(http.Request) is null && http.Request.Headers.Authorization.Count > 0
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (jwt.Enabled)
        {
            auth.AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.Authority = string.IsNullOrEmpty(jwt.Authority) ? null : jwt.Authority;
                o.Audience = jwt.Audience;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateAudience = true,
                    ValidAudience = jwt.Audience,
                    ValidateIssuer = !string.IsNullOrEmpty(jwt.Issuer) || !string.IsNullOrEmpty(jwt.Authority),
                    ValidIssuer = jwt.Issuer,
                    IssuerSigningKey = SigningKey(jwt.SigningKey),
                    RoleClaimType = jwt.RoleClaim,
                    NameClaimType = jwt.NameClaim,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });
        }
        services.AddAuthorizationBuilder()
            .AddPolicy(WritePolicy, p => p.RequireRole(Roles.Editor, Roles.Admin))
            .AddPolicy(PlanningPolicy, p => p.RequireRole(Roles.Planner, Roles.Editor, Roles.Admin))
            .AddPolicy(AdminPolicy, p => p.RequireRole(Roles.Admin))
            .AddPolicy(ReviewPolicy, p => p.RequireRole(Roles.Editor, Roles.Admin));
        return services;
    }

    private static SecurityKey? SigningKey(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (text.Contains("BEGIN", StringComparison.Ordinal))
        {
            var rsa = System.Security.Cryptography.RSA.Create();
            rsa.ImportFromPem(text);
            return new RsaSecurityKey(rsa);
        }
        return new SymmetricSecurityKey(Convert.FromBase64String(text));
    }
}
