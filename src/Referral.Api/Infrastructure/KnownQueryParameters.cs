using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Referral.Api.Infrastructure;

/// <summary>
/// A query parameter that no <c>/api</c> endpoint reads is refused, not ignored: <c>/api/nearest?…&amp;categories=shelter</c>
/// (GraphQL's spelling) used to answer with every category. The parameters an endpoint takes are read once from its
/// handler — its <c>[FromQuery]</c> and simple parameters, and those of its <c>[AsParameters]</c> records — so the list
/// cannot drift from the code. An unknown name is <c>400 VALIDATION_FAILED</c> keyed by that name, with the closest known
/// name when there is one; a parameter of the HSDS 3.1 API the endpoint does not support is said to be one.
/// OGC API, tiles, GraphQL and the web pages are not under <c>/api</c> and keep their own rules.
/// </summary>
internal static class KnownQueryParameters
{
    /// <summary>Query parameters of the HSDS 3.1 API reference (openapi.json), for a clearer refusal.</summary>
    public static readonly string[] Hsds =
    [
        "search", "page", "per_page", "format", "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after",
        "minimal", "full", "full_service", "postcode", "proximity", "top_only", "parent_id",
    ];

    private static readonly ConcurrentDictionary<Endpoint, string[]?> Cache = new();

    public static IApplicationBuilder UseReferralKnownQueryParameters(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Query.Count > 0 && http.Request.Path.StartsWithSegments("/api") && http.GetEndpoint() is { } endpoint
            && Cache.GetOrAdd(endpoint, Of) is { } known)
        {
            var errors = new SortedDictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var key in http.Request.Query.Keys)
            {
                if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    errors[FieldErrors.Clip(key)] = [Message(key, known)];
                }
            }
            if (errors.Count > 0)
            {
                await Problems.Validation(errors, $"Unknown query parameter{(errors.Count > 1 ? "s" : "")}: {string.Join(", ", errors.Keys)}.").ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    });

    public static string Message(string name, IReadOnlyCollection<string> known)
    {
        var takes = known.Count == 0 ? "this endpoint takes no query parameters." : $"this endpoint takes: {string.Join(", ", known.Order(StringComparer.Ordinal))}.";
        if (Hsds.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            return $"is an HSDS 3.1 API parameter that this endpoint does not support; {takes}";
        }
        return Closest(name, known) is { } guess ? $"unknown parameter; did you mean '{guess}'? {Capital(takes)}" : $"unknown parameter; {takes}";
    }

    /// <summary>The query parameter names an endpoint's handler binds, or null when it is not a route handler (no check).</summary>
    public static string[]? Of(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<MethodInfo>() is not { } method)
        {
            return null;
        }
        var route = (endpoint as RouteEndpoint)?.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in method.GetParameters())
        {
            Add(parameter.Name, parameter.ParameterType, parameter, route, names);
        }
        return [.. names];
    }

    private static void Add(string? name, Type type, ParameterInfo attributes, HashSet<string> route, SortedSet<string> names)
    {
        if (attributes.IsDefined(typeof(AsParametersAttribute), false))
        {
            // Records bind through their constructor; attributes may sit on the parameter or (property:) on the property.
            var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
            foreach (var p in constructor?.GetParameters() ?? [])
            {
                var property = type.GetProperty(p.Name ?? "", BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                var query = p.GetCustomAttribute<FromQueryAttribute>() ?? property?.GetCustomAttribute<FromQueryAttribute>();
                if (query is not null)
                {
                    names.Add(query.Name ?? p.Name!);
                }
                else
                {
                    Add(p.Name, p.ParameterType, p, route, names);
                }
            }
            return;
        }
        if (attributes.GetCustomAttributes(typeof(FromQueryAttribute), false).FirstOrDefault() is FromQueryAttribute fromQuery)
        {
            names.Add(fromQuery.Name ?? name!);
            return;
        }
        var bound = attributes.GetCustomAttributes(false).Any(a => a is IFromRouteMetadata or IFromBodyMetadata or IFromServiceMetadata
            or IFromHeaderMetadata or IFromFormMetadata or FromKeyedServicesAttribute);
        if (!bound && name is not null && !route.Contains(name) && IsSimple(type))
        {
            names.Add(name);
        }
    }

    /// <summary>What minimal APIs bind from the query string when no attribute says otherwise.</summary>
    private static bool IsSimple(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray)
        {
            return IsSimple(type.GetElementType()!);
        }
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly)
            || type == typeof(TimeSpan) || type == typeof(Uri) || type == typeof(Microsoft.Extensions.Primitives.StringValues)
            || type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), type.MakeByRefType()]) is not null
            || type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]) is not null;
    }

    /// <summary>The known name a typo or a plural most likely meant: edit distance at most 2, or the same stem (categories → category).</summary>
    private static string? Closest(string name, IEnumerable<string> known)
    {
        var lower = name.ToLowerInvariant();
        return known
            .Select(k => (Name: k, Distance: Distance(lower, k), Stem: Prefix(lower, k) >= Math.Max(4, Math.Min(lower.Length, k.Length) - 1)))
            .Where(x => x.Stem || x.Distance <= Math.Min(2, Math.Max(1, lower.Length / 3)))
            .OrderBy(x => x.Stem ? 0 : 1).ThenBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Select(x => x.Name).FirstOrDefault();
    }

    private static int Prefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }
        return n;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
    }

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
