using System.Globalization;
using Referral.Api.Features.Referrals;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Gaps;

/// <summary>
/// The gap analysis's sentences for people: each category's headline and the note on borders, in the response language
/// (<see cref="ResponseLanguage"/>; texts in <c>Resources/Messages*.resx</c>). Results are stored in English and
/// re-worded from their figures when read in Spanish, Portuguese or French, so one stored analysis serves every language.
/// </summary>
internal static class GapTexts
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    /// <summary>The headline in English, as stored with the results whatever the language of the request that ran them.</summary>
    public static string EnglishHeadline(string label, bool isArea, int sites, double targetKm, GapMetrics urban, GapMetrics rural) =>
        InEnglish(() => Headline(label, isArea, sites, targetKm, urban, rural));

    /// <summary>The note on borders in English (stored with the results).</summary>
    public static string EnglishBorders(bool sameCountry) => InEnglish(() => Borders(sameCountry));

    /// <summary>The response language when the stored English texts must be re-worded into it (es, pt, fr), else null.</summary>
    public static string? Language =>
        CultureInfo.CurrentUICulture.TwoLetterISOLanguageName is var language && language != "en" && ResponseLanguage.Supported.Contains(language) ? language : null;

    /// <summary>
    /// The document with its headlines (naming the category in that language) and the note on borders in the response language; the
    /// document itself when that is English or it has no results. Figures, codes and field names never change.
    /// </summary>
    public static GapAnalysisDocument Localise(GapAnalysisDocument analysis, IReadOnlyDictionary<string, CategoryInfo> categories)
    {
        if (analysis.Results is not { } results || Language is not { } language)
        {
            return analysis;
        }
        var o = analysis.Options;
        var summary = results.Summary.Select(s => s with
        {
            Headline = Headline(categories.TryGetValue(s.Category, out var info) ? info.Label(language) : s.Label,
                s.Mode == "area", s.Sites, o.TargetKm, s.Urban, s.Rural),
        }).ToList();
        return analysis with
        {
            Results = results with { Summary = summary, Rules = results.Rules with { Borders = Borders(o.SameCountry) } },
        };
    }

    /// <summary>"Police: rural people live 4.2× as far … (mean 28.4 km vs 6.7 km); 60% of rural vs 94% of urban people live within 25 km."</summary>
    private static string Headline(string label, bool isArea, int sites, double targetKm, GapMetrics urban, GapMetrics rural)
    {
        if (urban.Settlements == 0 || rural.Settlements == 0)
        {
            return Texts.Get("GapNoComparison", label, Count(urban.Settlements), Count(rural.Settlements));
        }
        var target = Texts.Number(targetKm, "0.#");
        var served = rural.ServedShare is not { } r || urban.ServedShare is not { } u ? ""
            : isArea ? Texts.Get("GapServedArea", target, Percent(r), Percent(u))
            : Texts.Get("GapServed", Percent(r), Percent(u), target);
        if (sites == 0)
        {
            return Texts.Get("GapNoSite", label, served);
        }
        var ratio = GapAggregator.Ratio(rural.MeanDistanceM, urban.MeanDistanceM);
        return Texts.Get("GapFarther", label, ratio is { } x ? Texts.Number(x, "0.0") : Texts.Get("GapNotAvailable"), Km(rural.MeanDistanceM), Km(urban.MeanDistanceM), served);
    }

    private static string Borders(bool sameCountry) => Texts.Get(sameCountry ? "GapBordersSameCountry" : "GapBordersAnyCountry");

    private static string Km(double? metres) => metres is { } m ? Texts.Number(m / 1000, "0.0") + " km" : Texts.Get("GapNotAvailable");

    private static string Percent(double share) => Texts.Number(share * 100, "0");

    private static string Count(int n) => n.ToString(CultureInfo.CurrentUICulture);

    private static string InEnglish(Func<string> text)
    {
        var saved = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = English;
        try
        {
            return text();
        }
        finally
        {
            CultureInfo.CurrentUICulture = saved;
        }
    }
}
