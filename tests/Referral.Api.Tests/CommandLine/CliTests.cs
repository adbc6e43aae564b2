using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary>
/// The command line as a user meets it (issue 16): help everywhere, typo suggestions, unknown verbs refused with usage on
/// stderr, and no verb but <c>migrate</c>/<c>seed</c> ever changing the schema. The executable runs as its own process on
/// an empty database of its own, so "it neither served nor migrated" is checked on the real thing.
/// </summary>
[Collection(DatabaseCollection.Name)]
public sealed class CliTests(ReferralApiFactory factory)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private async Task WithEmptyDatabaseAsync(Func<string, Task> test)
    {
        var name = $"referral_test_cli_{Guid.NewGuid():N}"[..30];
        var connectionString = await AppProcess.CreateDatabaseAsync(factory, name);
        try
        {
            await test(connectionString);
        }
        finally
        {
            await AppProcess.DropDatabaseAsync(factory, name);
        }
    }

    [Fact]
    public Task UnknownVerb_SuggestsTheNearestVerb_WithUsageOnStderr_ExitsNonZero_AndNeitherServesNorMigrates() =>
        WithEmptyDatabaseAsync(async db =>
        {
            var run = await AppProcess.RunApiAsync(db, Limit, "improt", "services.csv");

            Assert.False(run.TimedOut, "`improt` started something that kept running (the web server?)");
            Assert.Equal(1, run.Code);
            Assert.Equal("", run.Out);
            Assert.Contains("'improt' was not matched. Did you mean", run.Error, StringComparison.Ordinal);
            Assert.Contains("\nimport", run.Error, StringComparison.Ordinal);
            Assert.Contains("Usage:", run.Error, StringComparison.Ordinal);
            Assert.False(await AppProcess.MigratedAsync(db), "an unknown verb migrated the database");
        });

    [Fact]
    public Task Help_ExitsZero_WithTheVerbsOnStdout_AndNeitherServesNorMigrates() =>
        WithEmptyDatabaseAsync(async db =>
        {
            foreach (var args in new[] { ["help"], ["--help"], new[] { "import", "--help" } })
            {
                var run = await AppProcess.RunApiAsync(db, Limit, args);

                Assert.False(run.TimedOut, $"`{string.Join(' ', args)}` kept running (the web server?)");
                Assert.True(run.Code == 0, run.Error);
                Assert.Contains("Usage:", run.Out, StringComparison.Ordinal);
            }
            Assert.False(await AppProcess.MigratedAsync(db), "help migrated the database");
        });

    [Fact]
    public async Task EveryVerbHasHelp_WithTheMeaningAndDefaultOfItsOptions()
    {
        var root = await CliRunner.RunAsync(factory, "help");
        Assert.Equal(0, root.Code);
        foreach (var verb in new[] { "serve", "migrate", "seed", "keys", "import", "export", "places", "gaps", "place", "help" })
        {
            Assert.Contains($"\n  {verb} ", root.Out, StringComparison.Ordinal);
        }

        var import = await CliRunner.RunAsync(factory, "import", "--help");
        Assert.Equal(0, import.Code);
        Assert.Contains("--dry-run", import.Out, StringComparison.Ordinal);
        Assert.Matches(@"--border-tolerance-km <km>\s+How far outside[^\[]*\[default: 5\]", import.Out);
        Assert.Matches(@"--indexes <auto\|keep\|rebuild>", import.Out);

        var gaps = await CliRunner.RunAsync(factory, "help", "gaps", "run");
        Assert.Equal(0, gaps.Code);
        Assert.Matches(@"--target-km <km>\s+Served means within this distance\.\s+\[default: 25\]", gaps.Out);

        foreach (var args in new[] { new[] { "keys", "create", "--help" }, ["keys", "revoke", "-h"], ["export", "--help"], ["places", "import", "--help"], ["gaps", "import", "--help"], ["place", "--help"], ["seed", "--help"], ["migrate", "--help"] })
        {
            var help = await CliRunner.RunAsync(factory, args);
            Assert.True(help.Code == 0, string.Join(' ', args) + ": " + help.Error);
            Assert.Contains("Usage:", help.Out, StringComparison.Ordinal);
            Assert.Equal("", help.Error);
        }
    }

    [Fact]
    public async Task UnknownOptionsAndMissingArguments_AreRefusedWithUsage_OnStderr()
    {
        var typo = await CliRunner.RunAsync(factory, "export", "-", "--formt", "hsds");
        Assert.Equal(1, typo.Code);
        Assert.Equal("", typo.Out);
        Assert.Contains("Did you mean", typo.Error, StringComparison.Ordinal);
        Assert.Contains("--format", typo.Error, StringComparison.Ordinal);

        var missing = await CliRunner.RunAsync(factory, "keys", "create", "--name", "x");
        Assert.Equal(1, missing.Code);
        Assert.Contains("--role", missing.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", missing.Error, StringComparison.Ordinal);

        var badChoice = await CliRunner.RunAsync(factory, "export", "out.x", "--format", "xml");
        Assert.Equal(1, badChoice.Code);
        Assert.Contains("xml", badChoice.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(AppProcess.RepoRoot, "out.x")));
    }

    [Fact]
    public Task VerbsOtherThanMigrateAndSeed_RefuseASchemaThatIsBehind_AndMigrateMigrates() =>
        WithEmptyDatabaseAsync(async db =>
        {
            foreach (var args in new[] { ["keys", "list"], new[] { "export", "-", "--format", "hsds" } })
            {
                var refused = await AppProcess.RunApiAsync(db, Limit, args);

                Assert.Equal(5, refused.Code);
                Assert.Equal("", refused.Out);
                Assert.Contains("schema is behind", refused.Error, StringComparison.Ordinal);
                Assert.Contains("`migrate`", refused.Error, StringComparison.Ordinal);
                Assert.DoesNotContain("fail:", refused.Error, StringComparison.Ordinal);
            }
            Assert.False(await AppProcess.MigratedAsync(db), "a verb other than migrate/seed migrated the database");

            var migrate = await AppProcess.RunApiAsync(db, Limit, "migrate");
            Assert.True(migrate.Code == 0, migrate.Error);
            Assert.True(await AppProcess.MigratedAsync(db));

            var list = await AppProcess.RunApiAsync(db, Limit, "keys", "list");
            Assert.True(list.Code == 0, list.Error);
        });
}
