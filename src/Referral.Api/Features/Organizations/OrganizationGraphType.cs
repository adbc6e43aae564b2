using GraphQL.Types;
using Referral.Api.GraphQL;
using Referral.Api.GraphQL.Loaders;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Organizations;

/// <summary>GraphQL view of the REST <see cref="OrganizationDocument"/>.</summary>
internal sealed class OrganizationGraphType : ObjectGraphType<OrganizationDocument>
{
    public OrganizationGraphType()
    {
        Name = "Organization";
        Description = "HSDS 3.1 organization: the body that provides services.";
        Field("id", x => x.Id, type: typeof(NonNullGraphType<IdGraphType>));
        Field(x => x.Name, nullable: false);
        Field(x => x.AlternateName);
        Field(x => x.Description);
        Field(x => x.Email);
        Field(x => x.Website);
        Field(x => x.LegalStatus);
        Field(x => x.YearIncorporated);
        Field(x => x.LastModified).Description("When the record last changed.");
        Field(x => x.Demo).Description("True for fictional demo records.");
        Field(x => x.Source, nullable: true).Description("The system the record was imported from (the import's source).");
        Field(x => x.SourceId, nullable: true).Description("The record's id in that system (the file's id or source_id column).");
        Field<StringGraphType>("etag")
            .Description("The record's version, as REST's ETag header; pass it as `ifMatch` to update or delete only this version.")
            .Resolve(ctx => ctx.RequestServices!.GetRequiredService<OrganizationVersionLoader>()
                .LoadAsync(ctx.Source.Id!.Value).Then(v => v is { } version ? Etags.For(version) : null));
    }
}
