using PhoneNumbers;

namespace Referral.Api.Features.Imports;

/// <summary>
/// The phone numbers of one spreadsheet cell: split on the separators people write between numbers
/// (<c>22223333 / 88887777</c>, <c>116 | +264 61 226 889</c>), each stored in E.164 using the row's country when it can be
/// parsed; short codes (116 111, 1147) stay as written, and anything else keeps its original text (with a warning).
/// </summary>
internal static class PhoneCells
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    private static readonly string[] Separators = ["/", "|", ";", ",", "\n", " or ", " o ", " y ", " ou ", " et ", " e "];

    /// <summary>The numbers in <paramref name="cell"/>, and the pieces that could not be read as a full number.</summary>
    public static (List<string> Numbers, List<string> Unparsed) Split(string cell, string? country)
    {
        var numbers = new List<string>();
        var unparsed = new List<string>();
        foreach (var piece in cell.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var digits = piece.Count(char.IsAsciiDigit);
            if (digits == 0)
            {
                // Not a number at all: passed on as written, so the validator refuses it with the API's reason.
                numbers.Add(piece);
                continue;
            }
            if (digits <= 6 && !piece.StartsWith('+'))
            {
                // A short code (116 111, 1147, 911): dialled as written inside the country, and has no E.164 form.
                numbers.Add(piece);
                continue;
            }
            if (E164(piece, country) is { } e164)
            {
                numbers.Add(e164);
            }
            else
            {
                numbers.Add(piece);
                unparsed.Add(piece);
            }
        }
        return (numbers, unparsed);
    }

    private static string? E164(string text, string? country)
    {
        try
        {
            var region = country is { Length: 2 } ? country.ToUpperInvariant() : "ZZ";
            var number = Util.Parse(text, region);
            return Util.IsPossibleNumber(number) ? Util.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
