namespace Referral.Api.Features.Demand;

/// <summary>Text that PostgreSQL and every export can hold: no control characters (NUL above all) and no lone surrogates.</summary>
internal static class TextRules
{
    public static bool IsClean(string text, bool multiline = false)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c) || (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t')))
            {
                return false;
            }
        }
        return true;
    }
}
