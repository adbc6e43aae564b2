using Microsoft.Net.Http.Headers;

namespace Referral.Api.Infrastructure;

/// <summary>Weak ETags from the row version (<c>xmin</c>); <c>If-Match</c> turns a stale write into 412.</summary>
internal static class Etags
{
    public static string For(uint version) => $"W/\"{version}\"";

    /// <summary>
    /// The ETag of a public view: made from the time that view last changed only, so changes the public cannot see do not
    /// change it (issue 11 item 12). Never matches an <c>If-Match</c>: only those who see the row version may write.
    /// </summary>
    public static string ForPublic(DateTimeOffset publicLastModified) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"W/\"p{publicLastModified.UtcTicks:x}\"");

    /// <summary>True when the request has no If-Match, or one that matches the current version.</summary>
    public static bool Matches(HttpRequest request, uint currentVersion)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return true;
        }
        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }
        return tags.Any(t => t.Tag == "*" || t.Tag == $"\"{currentVersion}\"");
    }

    public static void Set(HttpResponse response, uint version) => response.Headers.ETag = For(version);

    public static void Set(HttpResponse response, string etag) => response.Headers.ETag = etag;
}
