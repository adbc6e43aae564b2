using GraphQL.Types;

namespace Referral.Api.Features.Referrals;

/// <summary>Parsed as given; the range check is REST's (<see cref="FilterParser.Origin"/>), so errors are identical.</summary>
internal sealed class GeoPointInputGraphType : InputObjectGraphType<GeoPoint>
{
    public GeoPointInputGraphType()
    {
        Name = "GeoPointInput";
        Description = "A WGS 84 point: lat -90 to 90, lng -180 to 180.";
        Field<NonNullGraphType<FloatGraphType>>("lat");
        Field<NonNullGraphType<FloatGraphType>>("lng");
    }

    public override object ParseDictionary(IDictionary<string, object?> value) =>
        new GeoPoint(Convert.ToDouble(value["lat"], System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToDouble(value["lng"], System.Globalization.CultureInfo.InvariantCulture));
}
