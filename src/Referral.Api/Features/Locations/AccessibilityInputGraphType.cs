using GraphQL.Types;

namespace Referral.Api.Features.Locations;

internal sealed class AccessibilityInputGraphType : InputObjectGraphType<AccessibilityDocument>
{
    public AccessibilityInputGraphType()
    {
        Name = "AccessibilityInput";
        Field(x => x.Description, nullable: true);
    }
}
