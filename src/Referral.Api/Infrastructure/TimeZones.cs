namespace Referral.Api.Infrastructure;

internal static class TimeZones
{
    public static TimeZoneInfo? Find(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>HSDS <c>timezone</c>: the zone's UTC offset in hours at <paramref name="at"/>.</summary>
    public static double? OffsetHours(string id, DateTimeOffset at) =>
        Find(id) is { } zone ? zone.GetUtcOffset(at).TotalHours : null;
}
