namespace Referral.Api.Infrastructure;

/// <summary>An editable entity: optimistic concurrency on PostgreSQL's <c>xmin</c> and a maintained <c>last_modified</c>.</summary>
internal interface IVersioned
{
    DateTimeOffset LastModified { get; set; }

    /// <summary>Mapped to the system column <c>xmin</c>; changes on every update of the row.</summary>
    uint Version { get; set; }
}
