using System.Diagnostics;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// Runs the npm tools of the repository's package.json (installed by the build's <c>npm ci</c>) from node_modules/.bin:
/// the linters and client generators an integrator would use on our contracts.
/// </summary>
public static class NodeTools
{
    public static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public static string Bin(string tool)
    {
        var path = Path.Combine(RepoRoot(), "node_modules", ".bin", tool);
        Assert.True(File.Exists(path),
            $"{tool} is not installed: run `npm ci` at the repository root (the dotnet build does it when npm is on the PATH; Node.js 20+).");
        return path;
    }

    /// <summary>Runs an npm tool; returns its exit code and what it printed (stdout, then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string tool, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Bin(tool))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        // No update checks, telemetry or colour codes in what we parse.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        start.Environment["FORCE_COLOR"] = "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish in 3 minutes.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A fresh temporary folder, deleted on dispose.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("referral-contract-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
