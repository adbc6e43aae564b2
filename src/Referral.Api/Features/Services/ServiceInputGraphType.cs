using GraphQL.Types;
using Referral.Api.Features.Taxonomy;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Services;

/// <summary>
/// The writable part of <see cref="ServiceDocument"/>: what REST's POST/PUT accept, field for field. A write replaces the
/// whole nested document (lists left out are emptied), as REST's PUT does. Fields are optional in the schema so that every
/// rule is checked by the same <see cref="ServiceWriter"/> as REST and reported together as VALIDATION_FAILED.
/// </summary>
internal sealed class ServiceInputGraphType : InputObjectGraphType<ServiceDocument>
{
    public ServiceInputGraphType()
    {
        Name = "ServiceInput";
        Description = "A service to create or replace, as one nested document (HSDS 3.1 service).";
        Field("id", x => x.Id, type: typeof(IdGraphType)).Description("On create only: a UUID to use instead of a generated one.");
        Field("organizationId", x => x.OrganizationId, type: typeof(IdGraphType)).Description("Required: an existing organization.");
        Field(x => x.Name, nullable: true).Description("Required.");
        Field(x => x.AlternateName, nullable: true);
        Field(x => x.Description, nullable: true);
        Field(x => x.Url, nullable: true);
        Field(x => x.Email, nullable: true);
        Field(x => x.Status, type: typeof(ServiceStatusEnumGraphType)).Description("Required: whether the service operates.");
        Field(x => x.InterpretationServices, nullable: true);
        Field(x => x.ApplicationProcess, nullable: true);
        Field(x => x.FeesDescription, nullable: true);
        Field(x => x.EligibilityDescription, nullable: true);
        Field(x => x.MinimumAge, nullable: true);
        Field(x => x.MaximumAge, nullable: true);
        Field<DateScalarGraphType>("assuredDate").ParseValue(v => DateScalarGraphType.ToText(v)!).Description("When the record was last verified.");
        Field(x => x.AssurerEmail, nullable: true);
        Field(x => x.Alert, nullable: true);
        Field(x => x.IsFree, nullable: true);
        Field("available247", x => x.Available247, nullable: true);
        Field("genders", x => x.Genders, type: typeof(ListGraphType<NonNullGraphType<GenderEnumGraphType>>)).Description("Genders served; default ANY.");
        Field("deliveryModes", x => x.DeliveryModes, type: typeof(ListGraphType<NonNullGraphType<DeliveryModeEnumGraphType>>));
        Field("audience", x => x.Audience, type: typeof(ListGraphType<NonNullGraphType<AudienceEnumGraphType>>));
        Field("platforms", x => x.Platforms, type: typeof(ListGraphType<NonNullGraphType<PlatformEnumGraphType>>));
        Field("categories", x => x.Categories, type: typeof(ListGraphType<NonNullGraphType<CategoryEnumGraphType>>))
            .Description("Referral categories of the service.");
        Field("languages", x => x.Languages, type: typeof(ListGraphType<NonNullGraphType<LanguageInputGraphType>>));
        Field("phones", x => x.Phones, type: typeof(ListGraphType<NonNullGraphType<PhoneInputGraphType>>));
        Field("schedules", x => x.Schedules, type: typeof(ListGraphType<NonNullGraphType<ScheduleInputGraphType>>));
        Field("serviceAreas", x => x.ServiceAreas, type: typeof(ListGraphType<NonNullGraphType<ServiceAreaInputGraphType>>));
        Field("serviceAtLocations", x => x.ServiceAtLocations, type: typeof(ListGraphType<NonNullGraphType<ServiceAtLocationInputGraphType>>));
        Field("attributes", x => x.Attributes, type: typeof(ListGraphType<NonNullGraphType<AttributeInputGraphType>>));
    }
}
