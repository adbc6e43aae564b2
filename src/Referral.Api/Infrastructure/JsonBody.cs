using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Referral.Api.Infrastructure;

/// <summary>
/// Reads a JSON request body ourselves, so every failure (content type, size, syntax, shape) gets a precise
/// ProblemDetails instead of the framework's bare 400, and nothing is ever half-read into a write.
/// </summary>
internal static class JsonBody
{
    public const long DefaultLimit = 1024 * 1024;

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, long limit, CancellationToken ct)
        where T : class
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ||
            !(type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
              type.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true))
        {
            return (null, Problems.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, TooLarge(limit));
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            return (null, Problems.Of(400, ErrorCodes.MalformedJson, "Malformed JSON", "The request body is empty."));
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), JsonSetup.Options);
            return value is null
                ? (null, Problems.Of(400, ErrorCodes.MalformedJson, "Malformed JSON", "The body must be a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 0 } path ? $" at {path}" : "";
            var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : "";
            return (null, Problems.Of(400, ErrorCodes.MalformedJson, "Malformed JSON", $"The body is not valid JSON for this resource{where}{line}."));
        }
    }

    private static ProblemHttpResult TooLarge(long limit) =>
        Problems.Of(413, ErrorCodes.PayloadTooLarge, "Payload too large", $"The body is larger than {limit / 1024} KiB.");
}
