using System.Text.Json;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Infrastructure;

namespace Referral.Api.Tests.Features.Referrals;

/// <summary>
/// The nearest index caches what the answers show of a service as documents (<see cref="ServiceCard"/>, issue 15: the
/// entity graphs weighed ~8 KB a site): a cached card must answer exactly what mapping the entity answers, on every day
/// (the verification status turns stale with time), and the values it shares with other cards must not mix them up.
/// </summary>
public sealed class ServiceCardTests
{
    private static Service NewService(Guid organizationId, string organizationName, DateOnly? assured) => new()
    {
        Id = Guid.NewGuid(),
        OrganizationId = organizationId,
        Organization = new Organization { Id = organizationId, Name = organizationName, LastModified = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) },
        Name = "Línea 1", // not a real number anywhere below: demo values only
        Status = "active",
        Description = "Servicio de apoyo",
        AssuredDate = assured,
        Genders = ["female", "male"],
        DeliveryModes = ["in_person"],
        Languages = ["es", "en"],
        IsDemo = true,
        LastModified = new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero),
        Phones = [new Phone { Id = Guid.NewGuid(), Number = "+50600000000", Type = "voice", Languages = ["es"] }],
        Attributes = [new ServiceAttribute
        {
            Id = Guid.NewGuid(),
            TaxonomyTerm = new TaxonomyTerm { Id = Guid.NewGuid(), Code = "police", Name = "Police", Description = "", Taxonomy = new Taxonomy { Id = Guid.NewGuid(), Name = ServiceMapping.CategoryTaxonomy, Description = "" } },
        }],
    };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonSetup.Options);

    [Fact]
    public void Card_AnswersAsTheMappedEntity_TodayAndOnceTheAssuranceIsStale()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var service = NewService(Guid.NewGuid(), "Org", today.AddDays(-10));
        var expected = Json(ServiceMapping.Summary(service));
        var phones = Json(service.Phones.Select(ServiceMapping.ToDocument).ToList());
        var card = ServiceCard.From(service);
        Assert.Equal(expected, Json(card.Document(DateTimeOffset.UtcNow)));
        Assert.Equal(phones, Json(card.Phones));
        Assert.Equal(Freshness.Verified, card.Document(DateTimeOffset.UtcNow).VerificationStatus);
        // Two years on, the same cached card says stale, as mapping the entity then would.
        Assert.Equal(Freshness.Stale, card.Document(DateTimeOffset.UtcNow.AddYears(2)).VerificationStatus);
        Assert.Equal(Json(ServiceMapping.Summary(service) with { VerificationStatus = Freshness.Stale }),
            Json(card.Document(DateTimeOffset.UtcNow.AddYears(2))));
    }

    [Fact]
    public void SharedValues_NeverMixUpTwoOrganizations()
    {
        var a = ServiceCard.From(NewService(Guid.NewGuid(), "Org A", null));
        var b = ServiceCard.From(NewService(Guid.NewGuid(), "Org A", null));
        var c = ServiceCard.From(NewService(a.Summary.OrganizationId!.Value, "Org C", null));
        Assert.NotEqual(a.Summary.Organization!.Id, b.Summary.Organization!.Id);
        Assert.Equal("Org C", c.Summary.Organization!.Name);
        Assert.Equal("Org A", a.Summary.Organization!.Name);
        Assert.Equal(Freshness.Unverified, a.Document(DateTimeOffset.UtcNow).VerificationStatus);
    }
}
