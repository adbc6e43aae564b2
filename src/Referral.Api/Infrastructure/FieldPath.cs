using System.Runtime.CompilerServices;

namespace Referral.Api.Infrastructure;

/// <summary>
/// A field's JSON path written as an interpolated string (<c>$"{f}.addresses[{i}].city"</c>), kept in its parts and joined
/// only when an error names it. <see cref="FieldErrors"/> takes one wherever it takes a path, so validating a valid
/// document builds no path strings — a bulk import validates some twenty nested paths per record.
/// </summary>
[InterpolatedStringHandler]
internal ref struct FieldPath
{
    /// <summary>List positions as text, without a string per use.</summary>
    private static readonly string[] Positions = [.. Enumerable.Range(0, 32).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private string? _p0, _p1, _p2, _p3, _p4, _p5;
    private int _count;
    private List<string?>? _more;

    public FieldPath(int literalLength, int formattedCount)
    {
        _ = literalLength;
        _ = formattedCount;
    }

    public void AppendLiteral(string value) => Push(value);

    public void AppendFormatted(string? value) => Push(value);

    public void AppendFormatted(int value) => Push((uint)value < (uint)Positions.Length ? Positions[value] : value.ToString());

    /// <summary>Anything else, as string interpolation formats it (no format, the current culture).</summary>
    public void AppendFormatted<T>(T value) => Push(value is IFormattable f ? f.ToString(null, null) : value?.ToString());

    private void Push(string? part)
    {
        switch (_count++)
        {
            case 0: _p0 = part; break;
            case 1: _p1 = part; break;
            case 2: _p2 = part; break;
            case 3: _p3 = part; break;
            case 4: _p4 = part; break;
            case 5: _p5 = part; break;
            default: (_more ??= []).Add(part); break;
        }
    }

    /// <summary>The path, as the interpolated string would have been.</summary>
    public readonly override string ToString()
    {
        var head = string.Concat(string.Concat(_p0, _p1, _p2), string.Concat(_p3, _p4, _p5));
        return _more is null ? head : head + string.Concat(_more);
    }
}
