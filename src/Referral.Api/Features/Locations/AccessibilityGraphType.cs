using GraphQL.Types;

namespace Referral.Api.Features.Locations;

internal sealed class AccessibilityGraphType : ObjectGraphType<AccessibilityDocument>
{
    public AccessibilityGraphType()
    {
        Name = "Accessibility";
        Description = "HSDS 3.1 accessibility of a location.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("locationId", x => x.LocationId, type: typeof(IdGraphType));
        Field(x => x.Description);
    }
}
