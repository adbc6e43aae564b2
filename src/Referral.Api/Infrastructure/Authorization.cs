namespace Referral.Api.Infrastructure;

internal static class Authorization
{
    /// <summary>
    /// Every write goes through this one policy. It is open until the trust-and-safety work (issue #5) adds roles;
    /// closing it here closes every write endpoint at once.
    /// </summary>
    public const string WritePolicy = "directory-write";

    public static IServiceCollection AddReferralAuthorization(this IServiceCollection services)
    {
        services.AddAuthentication();
        services.AddAuthorizationBuilder().AddPolicy(WritePolicy, p => p.RequireAssertion(_ => true));
        return services;
    }
}
