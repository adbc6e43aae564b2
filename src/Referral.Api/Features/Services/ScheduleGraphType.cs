using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class ScheduleGraphType : ObjectGraphType<ScheduleDocument>
{
    public ScheduleGraphType()
    {
        Name = "Schedule";
        Description = "HSDS 3.1 schedule as a weekly rule (RFC 5545 FREQ=WEEKLY;BYDAY=…) in the service's time zone.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("serviceId", x => x.ServiceId, type: typeof(IdGraphType));
        Field(x => x.Freq);
        Field(x => x.Byday).Description("Comma-separated days: MO,TU,WE,TH,FR,SA,SU.");
        Field(x => x.OpensAt).Description("HH:MM, local time.");
        Field(x => x.ClosesAt).Description("HH:MM, local time.");
        Field(x => x.ValidFrom).Description("YYYY-MM-DD.");
        Field(x => x.ValidTo).Description("YYYY-MM-DD.");
        Field(x => x.Timezone).Description("HSDS: the UTC offset in hours, now (derived from timeZone).");
        Field(x => x.TimeZone).Description("IANA time zone, e.g. America/Costa_Rica.");
        Field(x => x.Description);
        Field(x => x.Notes);
    }
}
