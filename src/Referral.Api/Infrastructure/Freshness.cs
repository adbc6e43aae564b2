namespace Referral.Api.Infrastructure;

/// <summary>
/// Data freshness: a service is <c>verified</c> when its <c>assured_date</c> is within <see cref="StaleAfterDays"/>
/// (setting <c>Freshness:StaleAfterDays</c>, default 365), <c>stale</c> when older, <c>unverified</c> without one.
/// </summary>
internal static class Freshness
{
    public const string Verified = "verified";
    public const string Stale = "stale";
    public const string Unverified = "unverified";

    public static readonly string[] Statuses = [Verified, Stale, Unverified];

    public static int StaleAfterDays { get; private set; } = 365;

    public static void Configure(int days) => StaleAfterDays = Math.Max(1, days);

    public static DateOnly Cutoff(DateTimeOffset now) => DateOnly.FromDateTime(now.UtcDateTime).AddDays(-StaleAfterDays);

    public static string Status(DateOnly? assured, DateTimeOffset now) =>
        assured is null ? Unverified : assured.Value < Cutoff(now) ? Stale : Verified;
}
