using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Exports;

/// <summary>
/// Export → import into an empty directory → export again gives the same output, for each format, but for provenance (source, source_id). The exports are the
/// admin's exact ones (a public export generalises confidential places on purpose, so it cannot come back unchanged).
/// "Empty" keeps the built-in category taxonomy, which every directory has; everything else comes from the file.
/// </summary>
public sealed class RoundTripTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    public static TheoryData<string, string> Formats => new()
    {
        { "hsds", "application/x-ndjson" },
        { "hsds-csv", "application/zip" },
        { "geojson", "application/geo+json" },
        { "csv", "text/csv" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task ExportImportExport_IntoAnEmptyDirectory_GivesIdenticalOutput(string format, string contentType)
    {
        await RichDirectory.ArrangeAsync(Factory, Client);
        var first = await Client.GetByteArrayAsync($"/api/exports/{format}?exact=true");

        await Factory.ResetDatabaseAsync();
        await TestData.EnsureCategoriesAsync(Factory);
        using var body = new ByteArrayContent(first);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var import = await Client.PostAsync($"/api/imports?format={format}&source=round-trip", body);
        var report = await import.Content.ReadAsStringAsync();
        var second = await Client.GetByteArrayAsync($"/api/exports/{format}?exact=true");

        Assert.True(import.StatusCode == HttpStatusCode.OK, report);
        // Everything but provenance is identical: records made in the first directory have no source; imported, they
        // come from the file (source "round-trip", source_id their id there), and the export says so (issue 12, item 13).
        Assert.Equal(WithoutProvenance(Text(first, format), format), WithoutProvenance(Text(second, format), format));
        if (format != "hsds-csv")
        {
            Assert.Contains("round-trip", Text(second, format), StringComparison.Ordinal);
        }
    }

    /// <summary>The export without its source and source_id (the last two CSV columns, or the JSON properties).</summary>
    private static string WithoutProvenance(string text, string format) => format switch
    {
        "csv" => Regex.Replace(text, @",[^,\r\n]*,[^,\r\n]*(\r?)$", "$1", RegexOptions.Multiline),
        "hsds-csv" => text,
        _ => Regex.Replace(text, @",""source(_id)?"":""[^""]*""", ""),
    };

    /// <summary>For a readable failure message: the text, or each zip entry's name and text.</summary>
    private static string Text(byte[] bytes, string format)
    {
        if (format != "hsds-csv")
        {
            return Encoding.UTF8.GetString(bytes);
        }
        using var archive = new ZipArchive(new MemoryStream(bytes));
        var sb = new StringBuilder();
        foreach (var entry in archive.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            sb.Append("== ").AppendLine(entry.FullName).AppendLine(reader.ReadToEnd());
        }
        return sb.ToString();
    }
}
