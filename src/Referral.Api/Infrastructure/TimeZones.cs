namespace Referral.Api.Infrastructure;

internal static class TimeZones
{
    public static TimeZoneInfo? Find(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    /// <summary>
    /// The IANA id of <paramref name="id"/> as the zone database spells it, or null when it is not a zone PostgreSQL's
    /// <c>AT TIME ZONE</c> reads. .NET also resolves Windows ids (<c>Central America Standard Time</c>) and files of the
    /// zone database that are not zones (<c>posix/…</c>, <c>right/…</c>, <c>localtime</c>, <c>posixrules</c>, <c>Factory</c>);
    /// PostgreSQL refuses the first and treats the others differently. Windows ids become their IANA zone (CLDR's
    /// mapping, region 001); the rest are refused. Checked against <c>pg_timezone_names</c> of PostgreSQL 15 with the same
    /// tzdata: every id accepted here is known there.
    /// </summary>
    public static string? Canonical(string id)
    {
        // Zone ids are letters, digits, spaces (Windows ids) and / _ + - only; .NET's lookup forgives more (it resolved "UTC\0" to UTC),
        // so anything else is refused before it asks.
        if (id.Length == 0 || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '+' or '-' or ' '))
        {
            return null;
        }
        if (Find(id) is { HasIanaId: true } zone && !IsNotAZone(zone.Id))
        {
            return zone.Id;
        }
        return TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var iana) && Find(iana) is not null ? iana : null;
    }

    private static bool IsNotAZone(string id) =>
        id.StartsWith("posix", StringComparison.Ordinal) || id.StartsWith("right/", StringComparison.Ordinal) || id is "localtime" or "Factory";

    /// <summary>HSDS <c>timezone</c>: the zone's UTC offset in hours at <paramref name="at"/>.</summary>
    public static double? OffsetHours(string id, DateTimeOffset at) =>
        Find(id) is { } zone ? zone.GetUtcOffset(at).TotalHours : null;
}
