namespace Referral.Api.Infrastructure;

/// <summary>A child record replaced as part of its parent's document, matched by id.</summary>
internal interface IHasId
{
    Guid Id { get; }
}
