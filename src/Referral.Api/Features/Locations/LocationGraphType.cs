using GraphQL.Types;
using Referral.Api.GraphQL;

namespace Referral.Api.Features.Locations;

/// <summary>GraphQL view of the REST <see cref="LocationDocument"/>, in the same public (confidentiality-applied) form.</summary>
internal sealed class LocationGraphType : ObjectGraphType<LocationDocument>
{
    public LocationGraphType()
    {
        Name = "Location";
        Description = "HSDS 3.1 location. Hidden locations are never shown; approximate ones carry a generalised point "
            + "(a coarse grid cell centre) and no address.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field("organizationId", x => x.OrganizationId, type: typeof(IdGraphType));
        Field(x => x.LocationType).Description("physical | postal | virtual.");
        Field(x => x.Url);
        Field(x => x.Name);
        Field(x => x.AlternateName);
        Field(x => x.Description);
        Field(x => x.Transportation);
        Field(x => x.Latitude).Description("WGS 84; generalised for approximate locations.");
        Field(x => x.Longitude).Description("WGS 84; generalised for approximate locations.");
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AddressGraphType>>>>("addresses").Resolve(ctx => ctx.Source.Addresses ?? []);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<AccessibilityGraphType>>>>("accessibility").Resolve(ctx => ctx.Source.Accessibility ?? []);
        Field(x => x.Visibility, type: typeof(VisibilityEnumGraphType)).Description("How exactly the location is shown.");
        Field(x => x.Demo).Description("True for fictional demo records.");
        Field(x => x.Source, nullable: true).Description("The system the record was imported from; absent for the public on a confidential place.");
        Field(x => x.SourceId, nullable: true).Description("The record's id in that system; absent for the public on a confidential place.");
    }
}
