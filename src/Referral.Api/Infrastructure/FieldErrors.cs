using System.Globalization;
using System.Text.RegularExpressions;

namespace Referral.Api.Infrastructure;

/// <summary>Collects field-level validation errors keyed by JSON path (e.g. <c>phones[0].number</c>).</summary>
internal sealed partial class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public string? Text(string field, string? value, int max, bool required = false)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                Add(field, "is required.");
            }
            return null;
        }
        if (trimmed.Length > max)
        {
            Add(field, $"must be at most {max} characters.");
        }
        if (HasControlCharacters(trimmed))
        {
            Add(field, "must not contain control characters.");
        }
        if (TextSafety.Problem(trimmed) is { } invisible)
        {
            Add(field, invisible);
        }
        return trimmed;
    }

    /// <summary>As <see cref="Text(string, string?, int, bool)"/>; the path is only written out when the value is not valid.</summary>
    public string? Text(FieldPath field, string? value, int max, bool required = false)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (!required)
            {
                return null;
            }
        }
        else if (trimmed.Length <= max && !HasControlCharacters(trimmed) && TextSafety.Problem(trimmed) is null)
        {
            return trimmed;
        }
        return Text(field.ToString(), value, max, required);
    }

    private static bool HasControlCharacters(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            {
                return true;
            }
        }
        return false;
    }

    public string? OneOf(string field, string? value, IReadOnlyCollection<string> allowed, bool required = false, string? fallback = null)
    {
        var v = value?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(v))
        {
            if (required && fallback is null)
            {
                Add(field, Texts.Get("RequiredOneOf", string.Join(", ", allowed)));
            }
            return fallback;
        }
        if (!allowed.Contains(v))
        {
            Add(field, Texts.Get("NotOneOf", Clip(value!), string.Join(", ", allowed)));
        }
        return v;
    }

    /// <summary>As <see cref="OneOf(string, string?, IReadOnlyCollection{string}, bool, string?)"/>; the path is only written out when the value is not valid.</summary>
    public string? OneOf(FieldPath field, string? value, IReadOnlyCollection<string> allowed, bool required = false, string? fallback = null)
    {
        var v = value?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(v))
        {
            if (!(required && fallback is null))
            {
                return fallback;
            }
        }
        else if (allowed.Contains(v))
        {
            return v;
        }
        return OneOf(field.ToString(), value, allowed, required, fallback);
    }

    public string[] Many(string field, string[]? values, IReadOnlyCollection<string> allowed)
    {
        if (values is null)
        {
            return [];
        }
        if (values.Length > Limits.ListItems)
        {
            Add(field, $"must have at most {Limits.ListItems} items.");
            return [];
        }
        var result = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            if (OneOf($"{field}[{i}]", values[i], allowed, required: true) is { } v && allowed.Contains(v) && !result.Contains(v))
            {
                result.Add(v);
            }
        }
        return [.. result];
    }

    public string? Email(string field, string? value)
    {
        var v = Text(field, value, Limits.Short);
        // Only within the length limit: the pattern backtracks quadratically, so a long hostile value would take minutes.
        if (v is { Length: <= Limits.Short } && !EmailPattern().IsMatch(v))
        {
            Add(field, "is not a valid email address.");
        }
        return v;
    }

    /// <summary>As <see cref="Email(string, string?)"/>; the path is only written out when the value is not valid.</summary>
    public string? Email(FieldPath field, string? value)
    {
        var v = Text(field, value, Limits.Short);
        if (v is { Length: <= Limits.Short } && !EmailPattern().IsMatch(v))
        {
            Add(field.ToString(), "is not a valid email address.");
        }
        return v;
    }

    /// <summary>As <see cref="Url(string, string?)"/>; the path is only written out when the value is not valid.</summary>
    public string? Url(FieldPath field, string? value)
    {
        var v = Text(field, value, Limits.Url);
        if (v is not null && !(Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            Add(field.ToString(), "must be an absolute http(s) URL.");
        }
        return v;
    }

    public string? Url(string field, string? value)
    {
        var v = Text(field, value, Limits.Url);
        if (v is not null && !(Uri.TryCreate(v, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            Add(field, "must be an absolute http(s) URL.");
        }
        return v;
    }

    public DateOnly? Date(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d;
        }
        Add(field, "must be a date in the form YYYY-MM-DD.");
        return null;
    }

    public TimeOnly? Time(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (TimeOnly.TryParseExact(value.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            return t;
        }
        Add(field, "must be a time in the form HH:MM (24-hour).");
        return null;
    }

    public static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex(@"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();
}
