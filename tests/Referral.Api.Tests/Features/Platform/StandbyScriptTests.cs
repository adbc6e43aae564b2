using System.Diagnostics;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// Issue 17: <c>scripts/standby.sh connstr</c> prints the read string the API should use, so it names the app's DML-only
/// role (as <c>scripts/localdb.sh connstr app</c>), never the superuser unless asked.
/// </summary>
public sealed class StandbyScriptTests
{
    [Fact]
    public async Task Connstr_NamesTheAppRole_StandbyFirst()
    {
        var (code, output) = await RunAsync("connstr");
        Assert.Equal(0, code);
        Assert.Contains("Username=referral_app;", output, StringComparison.Ordinal);
        Assert.Contains("Host=127.0.0.1:55499,127.0.0.1:55498;", output, StringComparison.Ordinal);
        Assert.Contains("Target Session Attributes=prefer-standby", output, StringComparison.Ordinal);

        Assert.Equal((0, output), await RunAsync("connstr", "app"));
        var (_, superuser) = await RunAsync("connstr", "superuser");
        Assert.Contains("Username=referral;", superuser, StringComparison.Ordinal);
        Assert.NotEqual(0, (await RunAsync("connstr", "owner")).Code);
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepoRoot(), "scripts", "standby.sh"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["REFERRAL_PG_PORT"] = "55498";
        start.Environment["REFERRAL_STANDBY_PORT"] = "55499";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await error;
        return (process.ExitCode, await output);
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", ".."));
}
