using GraphQL.Types;

namespace Referral.Api.Features.Services;

internal sealed class LanguageInputGraphType : InputObjectGraphType<LanguageDocument>
{
    public LanguageInputGraphType()
    {
        Name = "LanguageInput";
        Field(x => x.Code, nullable: true).Description("Required: ISO 639-1 or 639-3 code, e.g. es, en, bzd.");
    }
}
