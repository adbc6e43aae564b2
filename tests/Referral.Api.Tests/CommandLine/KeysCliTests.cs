using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary><c>keys create|list|revoke</c>: the key on the last line of stdout, errors in our words (never .NET's) on stderr.</summary>
public sealed class KeysCliTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    [Fact]
    public async Task KeysCreate_PrintsTheKeyAlone_OnItsLastLine_AndListAndRevokeFindIt()
    {
        var created = await CliRunner.RunAsync(Factory, "keys", "create", "--role", "planner", "--name", "cli-planner");

        Assert.True(created.Code == 0, created.Error);
        var key = created.Out.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("rfk_", key, StringComparison.Ordinal);
        var listed = await CliRunner.RunAsync(Factory, "keys", "list");
        Assert.Contains("cli-planner", listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listed.Out, StringComparison.Ordinal);
        var revoked = await CliRunner.RunAsync(Factory, "keys", "revoke", "cli-planner");
        Assert.Equal(0, revoked.Code);
    }

    [Theory]
    [InlineData(new[] { "--role", "editor", "--name", "ngo-x" }, "An editor key belongs to an organization")]
    [InlineData(new[] { "--role", "editor", "--name", "ngo-x", "--organization", "5b0c9d4e-1f2a-4b3c-8d7e-6f5a4b3c2d1e" }, "No organization with id 5b0c9d4e-1f2a-4b3c-8d7e-6f5a4b3c2d1e")]
    [InlineData(new[] { "--role", "editor", "--name", "ngo-x", "--organization", "ngo-x" }, "--organization: 'ngo-x' is not an organization id")]
    [InlineData(new[] { "--role", "admin", "--name", " " }, "--name: give a name of 1 to 256 characters")]
    [InlineData(new[] { "--role", "admin", "--name", "test-admin" }, "A key named 'test-admin' already exists")]
    public async Task KeysCreate_Errors_AreOneSentenceInOurWords_WithoutDotNetText(string[] options, string message)
    {
        var run = await CliRunner.RunAsync(Factory, ["keys", "create", .. options]);

        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.StartsWith($"keys: {message}", run.Error.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysCreate_AnUnknownRole_IsRefusedWithTheRoles()
    {
        var run = await CliRunner.RunAsync(Factory, "keys", "create", "--role", "root", "--name", "x");

        Assert.Equal(1, run.Code);
        Assert.Contains("'root'", run.Error, StringComparison.Ordinal);
        Assert.Contains("caseworker", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", run.Error, StringComparison.Ordinal);
    }
}
