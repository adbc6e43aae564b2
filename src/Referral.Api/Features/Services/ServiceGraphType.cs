using GraphQL.Builders;
using GraphQL.Types;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Taxonomy;
using Referral.Api.GraphQL;
using Referral.Api.GraphQL.Loaders;

namespace Referral.Api.Features.Services;

/// <summary>
/// GraphQL view of the REST <see cref="ServiceDocument"/>. Lists return the flat summary; nested parts come from
/// <see cref="ServiceDetailLoader"/>, one batch for all services of a response (no N+1), in REST's public form.
/// </summary>
internal sealed class ServiceGraphType : ObjectGraphType<ServiceDocument>
{
    public ServiceGraphType()
    {
        Name = "Service";
        Description = "HSDS 3.1 service, with the directory's additions (age range, genders, delivery modes, audience, platforms).";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("organizationId", x => x.OrganizationId, type: typeof(IdGraphType));
        Field(x => x.Name, nullable: false);
        Field(x => x.AlternateName);
        Field(x => x.Description);
        Field(x => x.Url);
        Field(x => x.Email);
        Field(x => x.Status, type: typeof(NonNullGraphType<ServiceStatusEnumGraphType>)).Description("Whether the service operates.");
        Field(x => x.InterpretationServices);
        Field(x => x.ApplicationProcess);
        Field(x => x.FeesDescription);
        Field(x => x.EligibilityDescription);
        Field(x => x.MinimumAge);
        Field(x => x.MaximumAge);
        Field<DateScalarGraphType>("assuredDate").Description("When the record was last verified.").Resolve(ctx => DateScalarGraphType.FromText(ctx.Source.AssuredDate));
        Field(x => x.AssurerEmail);
        Field(x => x.Alert);
        Field(x => x.LastModified);
        Field(x => x.IsFree).Description("The service costs nothing.");
        Field("available247", x => x.Available247, nullable: true).Description("Open around the clock (schedules are then informative).");
        Strings<GenderEnumGraphType>("genders", x => x.Genders, "Genders served.");
        Strings<DeliveryModeEnumGraphType>("deliveryModes", x => x.DeliveryModes, "How the service is delivered.");
        Strings<AudienceEnumGraphType>("audience", x => x.Audience, "Who the service talks to (empty: everyone).");
        Strings<PlatformEnumGraphType>("platforms", x => x.Platforms, "Platforms an online reporting channel acts on.");
        Strings<CategoryEnumGraphType>("categories", x => x.Categories, "Referral categories of the service.");
        Field(x => x.Demo).Description("True for fictional demo records.");
        Field(x => x.Source, nullable: true).Description("The system the record was imported from (the import's source).");
        Field(x => x.SourceId, nullable: true).Description("The record's id in that system (the file's id or source_id column).");
        Field(x => x.VerificationStatus, type: typeof(VerificationStatusEnumGraphType)).Description("Verified (assured within the freshness window, default 365 days), stale or unverified.");

        Field<OrganizationGraphType>("organization").Resolve(ctx => ctx.Source.Organization);
        Nested<PhoneGraphType, PhoneDocument>("phones", d => d.Phones);
        Nested<ScheduleGraphType, ScheduleDocument>("schedules", d => d.Schedules);
        Nested<ServiceAreaGraphType, ServiceAreaDocument>("serviceAreas", d => d.ServiceAreas);
        Nested<ServiceAtLocationGraphType, ServiceAtLocationDocument>("serviceAtLocations", d => d.ServiceAtLocations)
            .Description("Where the service is offered; hidden locations are left out.");
        Nested<LocationGraphType, LocationDocument>("locations", d => d.ServiceAtLocations?.Select(x => x.Location).OfType<LocationDocument>().ToArray())
            .Description("The locations of serviceAtLocations, for clients that do not need the link records.");
        Nested<LanguageGraphType, LanguageDocument>("languages", d => d.Languages);
        Nested<AttributeGraphType, AttributeDocument>("attributes", d => d.Attributes);
        Nested<TaxonomyTermGraphType, TaxonomyTermDocument>("taxonomyTerms", d => d.Attributes?.Select(a => a.TaxonomyTerm).OfType<TaxonomyTermDocument>().ToArray())
            .Description("The taxonomy terms the service is linked to, in every taxonomy.");
        Field<StringGraphType>("etag")
            .Description("The record's version, as REST's ETag header; pass it as `ifMatch` to update or delete only this version.")
            .Resolve(ctx => ctx.RequestServices!.GetRequiredService<ServiceVersionLoader>()
                .LoadAsync(ctx.Source.Id!.Value).Then(v => v is { } row
                    ? ServiceVersions.ETagFor(row.Version, row.OrganizationId, row.PublicLastModified, ctx.RequestServices!.GetRequiredService<Access.ActorContext>().Current)
                    : null));
    }

    private void Strings<TEnum>(string name, Func<ServiceDocument, string[]?> pick, string description)
        where TEnum : VocabularyEnumGraphType =>
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TEnum>>>>(name)
            .Description(description)
            .Resolve(ctx => pick(ctx.Source) ?? []);

    /// <summary>A child list: from the source when it is the full document, else from the batch of full documents.</summary>
    private FieldBuilder<ServiceDocument, object> Nested<TGraphType, TItem>(string name, Func<ServiceDocument, TItem[]?> pick)
        where TGraphType : IGraphType =>
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<TGraphType>>>>(name).Resolve(ctx =>
            pick(ctx.Source) is { } loaded
                ? loaded
                : ctx.RequestServices!.GetRequiredService<ServiceDetailLoader>()
                    .LoadAsync(ctx.Source.Id!.Value)
                    .Then(full => (full is null ? null : pick(full)) ?? []));
}
