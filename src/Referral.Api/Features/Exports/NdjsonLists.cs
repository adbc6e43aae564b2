using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Referral.Api.Features.Access;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Exports;

/// <summary>
/// A list streamed as newline-delimited JSON: one item per line, all matching items, no page envelope. The HSDS API
/// reference: "<c>format</c> … Could be <c>ndjson</c> which should stream all the results without pagination".
/// </summary>
internal sealed class NdjsonResult(Func<Stream, CancellationToken, Task> write) : IResult, IEndpointMetadataProvider
{
    public const string ContentType = "application/x-ndjson";

    /// <summary>The values of a list's <c>format</c> parameter.</summary>
    public static readonly string[] Formats = ["json", "ndjson"];

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.ContentType = ContentType + "; charset=utf-8";
        await write(http.Response.Body, http.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(200, typeof(void), [ContentType]));

    /// <summary>True for <c>format=ndjson</c>; <paramref name="error"/> for anything but json or ndjson.</summary>
    public static bool Requested(string? format, out string? error)
    {
        error = null;
        switch (format?.Trim().ToLowerInvariant())
        {
            case null or "" or "json":
                return false;
            case "ndjson":
                return true;
            default:
                error = $"'{FieldErrors.Clip(format)}' is not a format here; json (the default) or ndjson.";
                return false;
        }
    }

    /// <summary>Writes items, one JSON line each, flushing every <see cref="ExportQueries.Batch"/> items.</summary>
    public static async Task WriteAsync<T>(Stream output, IAsyncEnumerable<T> items, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var n = 0;
        await foreach (var item in items.WithCancellation(ct))
        {
            JsonSerializer.Serialize(buffer, item, JsonSetup.Options);
            buffer.WriteByte((byte)'\n');
            if (++n % ExportQueries.Batch == 0)
            {
                await Drain();
            }
        }
        await Drain();

        async Task Drain()
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(output, ct);
            buffer.SetLength(0);
        }
    }
}

/// <summary><c>format=ndjson</c> on the HSDS list endpoints: the same filters as the JSON lists, every match, in id order.</summary>
internal static class NdjsonLists
{
    /// <summary>
    /// <c>GET /api/services?format=ndjson</c>: the list items (or, with <c>full=true</c>, the fully nested documents as
    /// <c>GET /api/services/{id}</c> shows them to this caller).
    /// </summary>
    public static NdjsonResult Services(ServiceListQuery q, bool full, ExportQueries queries, ActorContext actor, TimeProvider clock)
    {
        var services = ServiceQueries.Filter(queries.Services, q, clock.GetUtcNow(), actor.Current);
        return full
            ? new NdjsonResult((output, ct) => NdjsonResult.WriteAsync(output,
                Map(queries.ServicesAsync(services, ct), s => ServiceMapping.ToDocument(s, actor.Current, queries.Now)), ct))
            : new NdjsonResult((output, ct) => NdjsonResult.WriteAsync(output, Map(ExportQueries.ServiceSummariesAsync(services, ct), ServiceMapping.Summary), ct));
    }

    public static NdjsonResult Organizations(OrganizationListQuery q, ExportQueries queries)
    {
        var orgs = OrganizationQueries.Filter(queries.Organizations, q);
        return new NdjsonResult((output, ct) => NdjsonResult.WriteAsync(output, Map(ExportQueries.OrganizationsAsync(orgs, ct), OrganizationMapping.ToDocument), ct));
    }

    /// <summary>
    /// Service-at-locations go through the list query itself, a thousand at a time, so ordering by distance, the
    /// confidentiality of each row and every filter are exactly those of the JSON list.
    /// </summary>
    public static NdjsonResult ServiceAtLocations(ServiceAtLocationListQuery q, GeoPoint? origin, ServiceAtLocationQueries queries) =>
        new((output, ct) => NdjsonResult.WriteAsync(output, Pages(q, origin, queries, ct), ct));

    private static async IAsyncEnumerable<ServiceAtLocationDocument> Pages(
        ServiceAtLocationListQuery q, GeoPoint? origin, ServiceAtLocationQueries queries, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (var number = 1; ; number++)
        {
            var page = await queries.ListAsync(q, origin, new PageRequest(number, 1000), ct);
            foreach (var item in page.Contents)
            {
                yield return item;
            }
            if (page.LastPage || page.Empty)
            {
                yield break;
            }
        }
    }

    private static async IAsyncEnumerable<TOut> Map<TIn, TOut>(IAsyncEnumerable<TIn> items, Func<TIn, TOut> map)
    {
        await foreach (var item in items)
        {
            yield return map(item);
        }
    }
}
