using Microsoft.Playwright;

namespace Referral.Api.Tests.Web;

/// <summary>
/// Swagger UI and GraphiQL under their Content-Security-Policy (issue 11 item 12), in Chromium with the policy enforced:
/// they still work, and the browser refuses nothing they need. The web app's own page is covered by WebAppTests.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class DeveloperPagesTests(WebAppFixture web)
{
    private static void AssertNothingRefused(WebPage p) =>
        Assert.DoesNotContain(p.Errors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || e.Contains("Refused to", StringComparison.Ordinal));

    [Fact]
    public async Task SwaggerUI_WorksUnderItsPolicy()
    {
        await using var p = await web.NewPageAsync();

        var response = await p.Page.GotoAsync("/swagger/index.html", new() { WaitUntil = WaitUntilState.NetworkIdle });

        Assert.Contains("script-src 'self'", await response!.HeaderValueAsync("content-security-policy") ?? "", StringComparison.Ordinal);
        await p.Page.Locator(".swagger-ui .info .title").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("Referral API", await p.Page.Locator(".swagger-ui .info .title").InnerTextAsync(), StringComparison.Ordinal);
        Assert.True(await p.Page.Locator(".opblock").CountAsync() > 10);
        AssertNothingRefused(p);
    }

    [Fact]
    public async Task GraphiQL_WorksUnderItsPolicy_AndRunsAQuery()
    {
        await using var p = await web.NewPageAsync();

        var response = await p.Page.GotoAsync("/graphiql/", new() { WaitUntil = WaitUntilState.NetworkIdle });

        Assert.Contains("script-src 'self'", await response!.HeaderValueAsync("content-security-policy") ?? "", StringComparison.Ordinal);
        await p.Page.Locator(".graphiql-container").WaitForAsync(new() { Timeout = 30_000 });
        var answer = p.Page.WaitForResponseAsync(r => r.Url.EndsWith("/graphql", StringComparison.Ordinal) && r.Request.Method == "POST"
            && (r.Request.PostData ?? "").Contains("services", StringComparison.Ordinal));
        await p.Page.Locator(".graphiql-execute-button").ClickAsync();
        Assert.Equal(200, (await answer).Status);
        await p.Page.GetByText("totalCount").Last.WaitForAsync(new() { Timeout = 30_000 });
        Assert.True(await p.Page.Locator("#graphiql-missing").IsHiddenAsync());
        AssertNothingRefused(p);
    }
}
