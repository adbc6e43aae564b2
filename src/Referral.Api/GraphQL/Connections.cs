using System.Buffers.Text;
using System.Globalization;
using System.Text;
using GraphQL;
using GraphQL.Builders;
using GraphQL.Types;
using GraphQL.Types.Relay.DataObjects;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// Relay connections over the query layer's page-based lists (the same <c>XxxQueries.ListAsync</c> REST uses, so ordering
/// and filters cannot drift). A cursor is an opaque, connection-specific token for a position in that ordering.
/// </summary>
internal static class Connections
{
    public const int DefaultFirst = 50;

    /// <summary>Adds the Relay <c>first</c>/<c>after</c> arguments, with the same cap as REST's <c>per_page</c>.</summary>
    public static FieldBuilder<TSource, object> Paged<TSource>(this FieldBuilder<TSource, object> field) => field
        .Argument<IntGraphType>("first", $"How many items to return: 1 to {Limits.MaxPerPage} (default {DefaultFirst}).")
        .Argument<StringGraphType>("after", "Return the items after this cursor (an edge's `cursor` or `pageInfo.endCursor`).");

    /// <summary>Reads and checks <c>first</c>/<c>after</c>; problems are added to <paramref name="errors"/>.</summary>
    public static (int Skip, int First) Window(IResolveFieldContext context, string kind, Dictionary<string, string[]> errors)
    {
        var first = context.GetArgument<int?>("first") ?? DefaultFirst;
        if (first is < 1 or > Limits.MaxPerPage)
        {
            errors["first"] = [$"must be between 1 and {Limits.MaxPerPage}."];
        }
        var skip = 0;
        if (context.GetArgument<string?>("after") is { } after)
        {
            if (Decode(kind, after) is { } offset)
            {
                skip = offset + 1;
            }
            else
            {
                errors["after"] = [$"is not a cursor of this {kind} list."];
            }
        }
        return (skip, Math.Clamp(first, 1, Limits.MaxPerPage));
    }

    /// <summary>
    /// The window [skip, skip + first) from a page-based list. When the window is aligned to pages of size
    /// <paramref name="first"/> (always so when a client pages forward with the same <c>first</c>) that is one page;
    /// otherwise it lies within two consecutive pages.
    /// </summary>
    public static async Task<Connection<T>> PageAsync<T>(string kind, int skip, int first, Func<PageRequest, Task<Page<T>>> list)
    {
        var number = (skip / first) + 1;
        var page = await list(new PageRequest(number, first));
        IReadOnlyList<T> items = page.Contents;
        if (skip % first != 0)
        {
            var next = await list(new PageRequest(number + 1, first));
            items = [.. page.Contents.Concat(next.Contents).Skip(skip % first).Take(first)];
        }
        var edges = items.Select((item, i) => new Edge<T> { Node = item, Cursor = Encode(kind, skip + i) }).ToList();
        return new Connection<T>
        {
            Edges = edges,
            TotalCount = page.TotalItems,
            PageInfo = new PageInfo
            {
                HasNextPage = skip + edges.Count < page.TotalItems,
                HasPreviousPage = skip > 0,
                StartCursor = edges.FirstOrDefault()?.Cursor,
                EndCursor = edges.LastOrDefault()?.Cursor,
            },
        };
    }

    internal static string Encode(string kind, int offset) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}:{offset.ToString(CultureInfo.InvariantCulture)}"));

    internal static int? Decode(string kind, string cursor)
    {
        if (cursor.Length > 100 || !Base64Url.IsValid(cursor))
        {
            return null;
        }
        var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        return text.StartsWith(kind + ":", StringComparison.Ordinal) &&
            int.TryParse(text.AsSpan(kind.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) &&
            offset < 100_000_000
            ? offset
            : null;
    }
}
