using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class ScheduleInputGraphType : InputObjectGraphType<ScheduleDocument>
{
    public ScheduleInputGraphType()
    {
        Name = "ScheduleInput";
        Field("id", x => x.Id, type: typeof(IdGraphType));
        Field(x => x.Freq, nullable: true).Description("Only WEEKLY (the default).");
        Field(x => x.Byday, nullable: true).Description("Required: comma-separated days from MO,TU,WE,TH,FR,SA,SU.");
        Field(x => x.OpensAt, nullable: true).Description("HH:MM, local time; goes with closesAt.");
        Field(x => x.ClosesAt, nullable: true).Description("HH:MM, local time.");
        Field(x => x.ValidFrom, nullable: true).Description("YYYY-MM-DD.");
        Field(x => x.ValidTo, nullable: true).Description("YYYY-MM-DD.");
        Field(x => x.TimeZone, nullable: true).Description("Required (or timezone): IANA time zone, e.g. America/Costa_Rica.");
        Field(x => x.Timezone, nullable: true).Description("HSDS UTC offset in whole hours, used when timeZone is not given.");
        Field(x => x.Description, nullable: true);
        Field(x => x.Notes, nullable: true);
    }

    // Written out because the default reflection binding matches property names case-insensitively, and this record has
    // both Timezone (the HSDS offset) and TimeZone (IANA).
    public override object ParseDictionary(IDictionary<string, object?> value) => new ScheduleDocument
    {
        Id = value.TryGetValue("id", out var id) && id is not null ? Guid.Parse(id.ToString()!) : null,
        Freq = Text(value, "freq"),
        Byday = Text(value, "byday"),
        OpensAt = Text(value, "opensAt"),
        ClosesAt = Text(value, "closesAt"),
        ValidFrom = Text(value, "validFrom"),
        ValidTo = Text(value, "validTo"),
        TimeZone = Text(value, "timeZone"),
        Timezone = value.TryGetValue("timezone", out var offset) && offset is not null ? Convert.ToDouble(offset, System.Globalization.CultureInfo.InvariantCulture) : null,
        Description = Text(value, "description"),
        Notes = Text(value, "notes"),
    };

    private static string? Text(IDictionary<string, object?> value, string name) => value.TryGetValue(name, out var v) ? v as string : null;
}
