using GraphQL.Types;
using Referral.Api.Features.Services;

namespace Referral.Api.Features.Referrals;

internal sealed class RemoteServiceGraphType : ObjectGraphType<RemoteService>
{
    public RemoteServiceGraphType()
    {
        Name = "RemoteService";
        Description = "A service that serves the origin's area without being near it: national helplines, online reporting.";
        Field(x => x.OpenNow, nullable: true);
        Field<NonNullGraphType<ServiceGraphType>>("service").Resolve(ctx => ctx.Source.Service);
        Field<NonNullGraphType<RemoteAreaGraphType>>("serviceArea").Resolve(ctx => ctx.Source.ServiceArea);
        Field<NonNullGraphType<ListGraphType<NonNullGraphType<PhoneGraphType>>>>("phones").Resolve(ctx => ctx.Source.Phones);
    }
}
