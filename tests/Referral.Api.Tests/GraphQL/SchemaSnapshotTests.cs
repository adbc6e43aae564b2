using System.Runtime.CompilerServices;
using System.Text;
using GraphQL;
using GraphQL.Utilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.GraphQL;

namespace Referral.Api.Tests.GraphQL;

/// <summary>
/// schema.graphql at the repository root is the published contract of the GraphQL API: it must equal the schema the code
/// builds, so every schema change shows up in review. Regenerate it with UPDATE_SCHEMA=1 (see <see cref="Command"/>).
/// </summary>
public sealed class SchemaSnapshotTests
{
    private const string Command = "UPDATE_SCHEMA=1 make test TEST_ARGS='--filter SchemaSnapshot'";

    internal static string PrintSchema()
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddReferralGraphQL(new ConfigurationBuilder().Build())
            .BuildServiceProvider();
        var schema = services.GetRequiredService<ReferralSchema>();
        schema.Initialize();
        return schema.Print(new PrintOptions { IncludeDescriptions = true, StringComparison = StringComparison.Ordinal })
            .ReplaceLineEndings("\n").TrimEnd() + "\n";
    }

    private static string SchemaFile([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "schema.graphql"));

    [Fact]
    public void SchemaSnapshot_PrintedSchema_MatchesCommittedFile()
    {
        var printed = PrintSchema();
        var file = SchemaFile();

        if (Environment.GetEnvironmentVariable("UPDATE_SCHEMA") == "1")
        {
            File.WriteAllText(file, printed);
        }

        Assert.True(File.Exists(file), $"schema.graphql is missing at the repository root. Create it with: {Command}");
        var committed = File.ReadAllText(file).ReplaceLineEndings("\n");
        Assert.True(committed == printed,
            $"schema.graphql differs from the schema the code builds (- file, + code). If the change is intended, run: {Command}\n{Diff(committed, printed)}");
    }

    [Fact]
    public void SchemaSnapshot_UsesCamelCaseAndRelayConnections()
    {
        var printed = PrintSchema();

        Assert.Contains("services(", printed, StringComparison.Ordinal);
        Assert.Contains("type ServiceConnection", printed, StringComparison.Ordinal);
        Assert.Contains("type PageInfo", printed, StringComparison.Ordinal);
        Assert.Contains("serviceAtLocations:", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("service_at_locations", printed, StringComparison.Ordinal);
    }

    /// <summary>A line diff (longest common subsequence) with two lines of context around each change.</summary>
    private static string Diff(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }
        var lines = new List<(char Op, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                lines.Add(('+', b[y++]));
            }
            else
            {
                lines.Add(('-', a[x++]));
            }
        }
        var text = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            var near = Enumerable.Range(Math.Max(0, i - 2), Math.Min(lines.Count, i + 3) - Math.Max(0, i - 2)).Any(k => lines[k].Op != ' ');
            if (near)
            {
                text.Append(lines[i].Op).Append(' ').Append(lines[i].Text).Append('\n');
            }
        }
        return text.ToString();
    }
}
