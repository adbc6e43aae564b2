using System.Globalization;
using System.Text;

namespace Referral.Api.Infrastructure;

/// <summary>
/// The one rule for invisible characters in text people read (issue 11 item 12): a character of the Unicode category
/// <c>Format</c> (Cf) is refused in every text field written through the API or an import. That category holds the
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C), the
/// zero-width space, non-joiner and joiner (U+200B–U+200D), the word joiner and invisible operators (U+2060–U+2064), the
/// byte-order mark / zero-width no-break space (U+FEFF), the soft hyphen (U+00AD) and the tag characters
/// (U+E0001–U+E007F). They can make one name look like another ("Casa‮ocsed" shows reversed) or hide text, and no
/// service, organization or place name needs them. Refused, not stripped: silently changing what an editor typed would
/// hide the problem, and the refusal names the character and its position.
/// </summary>
internal static class TextSafety
{
    /// <summary>The first invisible formatting character and its position (in UTF-16 units), or null when there is none.</summary>
    public static (Rune Rune, int Index)? FirstFormatCharacter(string text)
    {
        var index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
            {
                return (rune, index);
            }
            index += rune.Utf16SequenceLength;
        }
        return null;
    }

    /// <summary>The field error for <paramref name="text"/>, or null when it has no invisible formatting character.</summary>
    public static string? Problem(string text) => FirstFormatCharacter(text) is { } found
        ? string.Create(CultureInfo.InvariantCulture,
            $"must not contain invisible or direction-changing characters (found U+{found.Rune.Value:X4} at position {found.Index + 1}): bidirectional overrides and zero-width characters can disguise a name.")
        : null;
}
