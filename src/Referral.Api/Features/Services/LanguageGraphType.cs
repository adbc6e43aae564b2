using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class LanguageGraphType : ObjectGraphType<LanguageDocument>
{
    public LanguageGraphType()
    {
        Name = "Language";
        Description = "HSDS 3.1 language of a service or phone.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("serviceId", x => x.ServiceId, type: typeof(IdGraphType));
        Field("phoneId", x => x.PhoneId, type: typeof(IdGraphType));
        Field(x => x.Name);
        Field(x => x.Code).Description("ISO 639-1 or 639-3 code, e.g. es, en, bzd.");
        Field(x => x.Note);
    }
}
