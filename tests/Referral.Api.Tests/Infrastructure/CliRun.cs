using Microsoft.Extensions.DependencyInjection;

namespace Referral.Api.Tests.Infrastructure;

/// <summary>Runs a CLI verb in the test app's services and captures what it prints (stdout, stderr) and its exit code.</summary>
internal static class CliRun
{
    public static async Task<(int Code, string Out, string Error)> RunAsync(ReferralApiFactory factory, Func<IServiceProvider, Task<int>> verb)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var code = await verb(scope.ServiceProvider);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }
}
