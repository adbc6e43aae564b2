using System.Globalization;

namespace Referral.Api.Infrastructure;

/// <summary>
/// The one escaping of every CSV the API writes (exports, the HSDS CSV package, gap tables) and its inverse, applied by the
/// one CSV reader (imports, demand datasets). RFC 4180 quoting, plus OWASP's guard against formula injection: a text that
/// a spreadsheet would run as a formula — starting with <c>= + - @</c>, a tab or a carriage return — gets a leading
/// apostrophe, which spreadsheets show as "this is text" and hide. Numbers (<c>-84.08</c>, <c>+50622223333</c>) stay as they
/// are. A text that already starts with apostrophes before such a character gets one more, so reading strips exactly one
/// and every value imports back as it was exported.
/// </summary>
internal static class CsvText
{
    /// <summary>The field as written: guarded against formulas, then quoted when it holds a comma, quote, line break or edge space.</summary>
    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (NeedsGuard(value))
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value[0] == ' ' || value[^1] == ' '
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;
    }

    /// <summary>A field as read (already unquoted): the guard's apostrophe removed.</summary>
    public static string Unescape(string field) =>
        field.Length > 1 && field[0] == '\'' && IsTrigger(field.AsSpan().TrimStart('\'')) ? field[1..] : field;

    private static bool NeedsGuard(string value) =>
        IsTrigger(value.AsSpan().TrimStart('\''))
        && !(value[0] is '-' or '+' && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    private static bool IsTrigger(ReadOnlySpan<char> text) => text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r';
}
