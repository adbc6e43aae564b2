using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Locations;

internal static class LocationMapping
{
    /// <summary>The generic name the public sees for a confidential place instead of its own free text.</summary>
    public const string PublicLabel = "Confidential location";

    /// <summary>The location as <paramref name="viewer"/> may see it (<see cref="Access.Actor.SeesExact(Location)"/>).</summary>
    public static LocationDocument? ToDocument(Location l, Access.Actor viewer) => ToDocument(l, viewer.SeesExact(l));

    /// <summary>
    /// The location as a viewer may see it: <c>null</c> for a hidden location unless <paramref name="exact"/>;
    /// for an approximate one a generalised point, no addresses and no free text that could name the place (name,
    /// alternate name, url, description, transportation, accessibility): a generic label with the country instead.
    /// </summary>
    private static LocationDocument? ToDocument(Location l, bool exact)
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
            Url = generalise ? null : l.Url,
            Name = generalise ? Label(l) : l.Name,
            AlternateName = generalise ? null : l.AlternateName,
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
            // A source's id for a shelter may name its place ("shelter-westlands"): only for those who see the place.
            Source = l.Visibility == Confidentiality.Public || exact ? l.Source : null,
            SourceId = l.Visibility == Confidentiality.Public || exact ? l.SourceId : null,
        };
    }

    /// <summary>"Confidential location — Costa Rica": the country (from the address) is coarser than the shown point.</summary>
    public static string Label(Location l)
    {
        var code = l.Addresses.Select(a => a.Country).FirstOrDefault(c => c is { Length: 2 });
        if (code is null)
        {
            return PublicLabel;
        }
        try
        {
            return $"{PublicLabel} — {new System.Globalization.RegionInfo(code).EnglishName}";
        }
        catch (ArgumentException)
        {
            return $"{PublicLabel} — {code}";
        }
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
