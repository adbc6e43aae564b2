using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class PhoneInputGraphType : InputObjectGraphType<PhoneDocument>
{
    public PhoneInputGraphType()
    {
        Name = "PhoneInput";
        Field("id", x => x.Id, type: typeof(IdGraphType)).Description("Keep an existing phone's id to update it in place.");
        Field(x => x.Number, nullable: true).Description("Required: digits with an optional leading +, e.g. +50622223333 or 116 111.");
        Field(x => x.Extension, nullable: true);
        Field(x => x.Type, nullable: true).Description("voice (default), sms, whatsapp, text, fax, …");
        Field(x => x.Description, nullable: true);
        Field("languages", x => x.Languages, type: typeof(ListGraphType<NonNullGraphType<LanguageInputGraphType>>));
    }
}
