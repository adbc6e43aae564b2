namespace Referral.Api.Tests.Infrastructure;

/// <summary>
/// Runs a CLI verb in-process, through the same parser as the executable (<see cref="Cli"/>), against the test host's
/// services, capturing stdout and stderr. Console redirection is process-wide, so runs are serialised.
/// </summary>
internal static class CliRunner
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task<(int Code, string Out, string Error)> RunAsync(ReferralApiFactory factory, params string[] args)
    {
        await Gate.WaitAsync();
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await Cli.RunAsync(factory.Services, args, CancellationToken.None);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Gate.Release();
        }
    }
}
