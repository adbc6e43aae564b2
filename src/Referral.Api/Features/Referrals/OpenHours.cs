namespace Referral.Api.Features.Referrals;

/// <summary>
/// A service's opening hours in memory, and "open now" evaluated in C# with the very rules of the SQL function
/// <c>service_open_at(service, at)</c> (migrations AddSearchAndOpeningHours, HardenOpenNowTimeZones): true for a 24/7
/// service; else whether any timed schedule (opens_at set, time zone readable) is open at the local wall time in its
/// own zone — on a listed day (a substring of <c>byday</c>, as <c>position()</c> tests it), within its validity dates,
/// from opens_at until closes_at (until midnight when closes_at is 23:59 or not after opens_at), or after midnight
/// until closes_at for a schedule that closes before it opens and was open on the previous day; null (hours unknown)
/// when there is no such schedule. A schedule without closes_at is never open.
/// </summary>
internal sealed class OpenHours
{
    private static readonly string[] Days = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
    private static readonly long Midnight2359 = new TimeOnly(23, 59).Ticks;

    /// <summary>Not 24/7 and no readable timed schedule: open-now is null.</summary>
    public static readonly OpenHours None = new(false, [], false);

    /// <summary>24/7.</summary>
    public static readonly OpenHours Always = new(true, [], false);

    /// <summary>
    /// Days in 400 Gregorian years, a whole number of weeks (20,871): dates of the year and weekdays repeat after it. An
    /// instant within two days of .NET's calendar edges (a caller may ask <c>at=0001-01-01T00:00Z</c>, whose evening
    /// before is in 1 BC for PostgreSQL) is evaluated this many days inside the calendar, with validity dates compared by
    /// day number unshifted.
    /// </summary>
    private const int CycleDays = 146_097;

    private readonly bool _always;
    private readonly Slot[] _slots;

    private OpenHours(bool always, Slot[] slots, bool uncertain)
    {
        _always = always;
        _slots = slots;
        Uncertain = uncertain;
    }

    /// <summary>A schedule's zone PostgreSQL reads but .NET cannot match exactly: the database must answer for this service.</summary>
    public bool Uncertain { get; }

    /// <summary>One weekly opening: days as bits (Sunday = bit 0), times as <see cref="TimeOnly.Ticks"/>.</summary>
    internal readonly record struct Slot(byte Days, long Opens, long? Closes, DateOnly? From, DateOnly? To, TimeZoneInfo Zone);

    /// <summary>Days of <paramref name="byday"/> as bits, by the substring test <c>position(code IN byday) &gt; 0</c>.</summary>
    public static byte DayBits(string byday)
    {
        byte bits = 0;
        for (var d = 0; d < 7; d++)
        {
            if (byday.Contains(Days[d], StringComparison.Ordinal))
            {
                bits |= (byte)(1 << d);
            }
        }
        return bits;
    }

    public static OpenHours From(bool always, IReadOnlyList<Slot> slots, bool uncertain) =>
        always ? Always : slots.Count == 0 && !uncertain ? None : new OpenHours(false, [.. slots], uncertain);

    /// <summary>Open at <paramref name="at"/> (to the microsecond, as PostgreSQL keeps timestamps)?</summary>
    public bool? At(DateTimeOffset at)
    {
        if (_always)
        {
            return true;
        }
        if (_slots.Length == 0)
        {
            return null;
        }
        var utc = at.UtcDateTime;
        utc = new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
        var shift = utc.Ticks < 2 * TimeSpan.TicksPerDay ? CycleDays
            : DateTime.MaxValue.Ticks - utc.Ticks < 2 * TimeSpan.TicksPerDay ? -CycleDays : 0;
        utc = utc.AddDays(shift);
        foreach (var s in _slots)
        {
            if (s.Closes is not { } closes)
            {
                continue; // NULL comparisons: never true
            }
            var local = TimeZoneInfo.ConvertTimeFromUtc(utc, s.Zone);
            var time = local.TimeOfDay.Ticks;
            var day = DateOnly.FromDateTime(local).DayNumber - shift;
            if (Valid(s, day) && (s.Days & (1 << (int)local.DayOfWeek)) != 0 && time >= s.Opens
                && (closes <= s.Opens || closes == Midnight2359 || time < closes))
            {
                return true;
            }
            if (closes < s.Opens && time < closes)
            {
                var yesterday = local.AddDays(-1);
                if (Valid(s, day - 1) && (s.Days & (1 << (int)yesterday.DayOfWeek)) != 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>Within the validity dates? <paramref name="day"/> is a <see cref="DateOnly.DayNumber"/>, below zero before year 1.</summary>
    private static bool Valid(in Slot s, int day) =>
        (s.From is not { } from || day >= from.DayNumber) && (s.To is not { } to || day <= to.DayNumber);
}
