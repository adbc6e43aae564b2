using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Exports;

/// <summary>
/// Security review, finding 7: names starting with = + - @ were written verbatim into the CSV exports, where a spreadsheet
/// runs them as formulas. Every CSV now goes through one escaping, and the import reads it back to the original text.
/// </summary>
public sealed class CsvInjectionTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Formula = "=HYPERLINK(\"http://evil.example/\",\"click\")";
    private const string Plus = "+1+1 counselling";
    private const string Minus = "-2+3 shelter";
    private const string Apostrophe = "'=already guarded";
    private const string Organization = "@SUM(1) organization";
    private const string Description = "@cmd|' /C calc'!A0";

    private async Task ArrangeAsync()
    {
        var org = await TestData.CreateOrganizationAsync(Client, Organization);
        foreach (var (name, i) in new[] { Formula, Plus, Minus, Apostrophe }.Select((n, i) => (n, i)))
        {
            var doc = TestData.Service(org, name, 9.9 + (i * 0.01), -84.1);
            doc["description"] = Description;
            await TestData.CreateServiceAsync(Client, doc);
        }
    }

    [Fact]
    public async Task CsvExports_GuardFormulas_ButNotNumbers()
    {
        await ArrangeAsync();

        var csv = await Public.GetStringAsync("/api/exports/csv");
        var package = await Public.GetByteArrayAsync("/api/exports/hsds-csv");

        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"click\"\")\"", csv, StringComparison.Ordinal);
        Assert.Contains(",'+1+1 counselling,", csv, StringComparison.Ordinal);
        Assert.Contains(",'-2+3 shelter,", csv, StringComparison.Ordinal);
        Assert.Contains(",''=already guarded,", csv, StringComparison.Ordinal);
        Assert.Contains(",'@SUM(1) organization,", csv, StringComparison.Ordinal);
        Assert.Contains(",-84.1,", csv, StringComparison.Ordinal);
        Assert.Contains("+50600000001", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("'+50600000001", csv, StringComparison.Ordinal);
        foreach (var field in new[] { ",=", "\"=", ",@", "\"@", ",+1", ",-2" })
        {
            Assert.DoesNotContain(field, csv, StringComparison.Ordinal);
        }
        using var zip = new ZipArchive(new MemoryStream(package));
        var services = await new StreamReader(zip.GetEntry("services.csv")!.Open()).ReadToEndAsync();
        var organizations = await new StreamReader(zip.GetEntry("organizations.csv")!.Open()).ReadToEndAsync();
        Assert.Contains("\"'=HYPERLINK(", services, StringComparison.Ordinal);
        Assert.Contains("'@cmd|", services, StringComparison.Ordinal);
        Assert.Contains("'@SUM(1) organization", organizations, StringComparison.Ordinal);
        Assert.DoesNotContain(",=", services, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("csv", "text/csv")]
    [InlineData("hsds-csv", "application/zip")]
    public async Task EscapedCsv_ImportsBackAsTheOriginalText(string format, string contentType)
    {
        await ArrangeAsync();
        var exported = await Client.GetByteArrayAsync($"/api/exports/{format}?exact=true");
        await Factory.ResetDatabaseAsync();
        await TestData.EnsureCategoriesAsync(Factory);

        using var body = new ByteArrayContent(exported);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var import = await Client.PostAsync($"/api/imports?format={format}&source=csv-injection", body);
        var list = await Public.GetFromJsonAsync<JsonElement>("/api/services?per_page=10");

        Assert.True(import.StatusCode == HttpStatusCode.OK, await import.Content.ReadAsStringAsync());
        var items = list.GetProperty("contents").EnumerateArray().ToList();
        Assert.Equal([Apostrophe, Plus, Minus, Formula], items.Select(s => s.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(items, s => Assert.Equal(Description, s.GetProperty("description").GetString()));
        Assert.All(items, s => Assert.Equal(Organization, s.GetProperty("organization").GetProperty("name").GetString()));
    }
}
