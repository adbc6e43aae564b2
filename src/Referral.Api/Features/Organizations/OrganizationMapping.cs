namespace Referral.Api.Features.Organizations;

internal static class OrganizationMapping
{
    public static OrganizationDocument ToDocument(Organization o) => new()
    {
        Id = o.Id,
        Name = o.Name,
        AlternateName = o.AlternateName,
        // HSDS requires a description; an empty string is allowed, null is not.
        Description = o.Description ?? "",
        Email = o.Email,
        Website = o.Website,
        LegalStatus = o.LegalStatus,
        YearIncorporated = o.YearIncorporated,
        LastModified = o.LastModified,
        Demo = o.IsDemo ? true : null,
        Source = o.Source,
        SourceId = o.SourceId,
    };
}
