using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class PhoneGraphType : ObjectGraphType<PhoneDocument>
{
    public PhoneGraphType()
    {
        Name = "Phone";
        Description = "HSDS 3.1 phone: E.164 where possible; short codes such as 116 111 are allowed.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("serviceId", x => x.ServiceId, type: typeof(IdGraphType));
        Field(x => x.Number);
        Field(x => x.Extension);
        Field(x => x.Type).Description("voice, sms, whatsapp, text, fax, …");
        Field(x => x.Description);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<LanguageGraphType>>>>("languages").Resolve(ctx => ctx.Source.Languages ?? []);
    }
}
