using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Locations;

internal static class LocationMapping
{
    /// <summary>
    /// The location as a viewer may see it: <c>null</c> for a hidden location unless <paramref name="exact"/>;
    /// a generalised point and no addresses for an approximate one.
    /// </summary>
    public static LocationDocument? ToDocument(Location l, bool exact)
    {
        if (l.Visibility == Confidentiality.Hidden && !exact)
        {
            return null;
        }
        var generalise = l.Visibility == Confidentiality.Approximate && !exact;
        // The public point is computed by the database (location.public_point), one rule for every output.
        var shown = generalise ? l.PublicPoint : l.Point;
        (double Latitude, double Longitude)? point = shown is null ? null : (Math.Round(shown.Y, 6), Math.Round(shown.X, 6));
        return new LocationDocument
        {
            Id = l.Id,
            OrganizationId = l.OrganizationId,
            LocationType = l.LocationType,
            Url = l.Url,
            Name = l.Name,
            AlternateName = l.AlternateName,
            Description = generalise ? null : l.Description,
            Transportation = generalise ? null : l.Transportation,
            Latitude = point?.Latitude,
            Longitude = point?.Longitude,
            Addresses = generalise ? [] : [.. l.Addresses.OrderBy(a => a.Id).Select(ToDocument)],
            Accessibility = l.Accessibility is { } text && !generalise
                ? [new AccessibilityDocument { Id = DeterministicGuid.Create(l.Id, "accessibility"), LocationId = l.Id, Description = text }]
                : [],
            Visibility = l.Visibility,
            Demo = l.IsDemo ? true : null,
        };
    }

    // HSDS requires these address fields; missing ones are sent as empty strings (HSDS forbids null).
    private static AddressDocument ToDocument(Address a) => new()
    {
        Id = a.Id,
        LocationId = a.LocationId,
        Attention = a.Attention,
        Address1 = a.Address1 ?? "",
        Address2 = a.Address2,
        City = a.City,
        Region = a.Region,
        StateProvince = a.StateProvince ?? "",
        PostalCode = a.PostalCode ?? "",
        Country = a.Country,
        AddressType = a.AddressType,
    };
}
