using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Referral.Api.Data.Seeding;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.CommandLine;

/// <summary>
/// Every <c>curl</c> example in the README, sent as written (in the order of its code block, with its shell variables
/// carried from one command to the next) to the API loaded with the demo seed: a renamed parameter, a changed
/// vocabulary value or a moved route fails here instead of in a reader's terminal. Examples that upload a file of the
/// reader's own (<c>--data-binary @file</c>, <c>-F</c>) are exercised by the import tests, not here.
/// </summary>
public sealed partial class ReadmeCurlExamplesTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    // Start from an empty database: the demo seed brings its own taxonomy.
    public override Task InitializeAsync() => Factory.ResetDatabaseAsync();

    /// <summary>One curl command: where it is in the README, what it sends, and what the shell does with its answer.</summary>
    private sealed record Example(int Line, string Method, string Target, List<(string Name, string Value)> Headers, string? Body,
        string? AssignTo, string? Pipe, bool NotRunnable);

    [Fact]
    public async Task EveryCurlExample_Answers_AsTheReadmeSays()
    {
        await using (var scope = Factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SeedLoader>().RunAsync(CancellationToken.None);
        }

        var blocks = CodeBlocks(File.ReadAllText(Path.Combine(AppProcess.RepoRoot, "README.md")));
        var sent = 0;
        var failures = new List<string>();
        foreach (var block in blocks)
        {
            var variables = new Dictionary<string, string>
            {
                ["KEY"] = Factory.AdminKey,
                ["ADMIN_KEY"] = Factory.AdminKey,
                ["API"] = "http://127.0.0.1:5080",
            };
            foreach (var example in Examples(block, variables))
            {
                if (example.NotRunnable)
                {
                    continue;
                }
                sent++;
                if (example.Target.Contains("-not-set", StringComparison.Ordinal) || example.Body?.Contains("-not-set", StringComparison.Ordinal) == true)
                {
                    failures.Add($"README line {example.Line}: a variable it uses was not set by the examples before it: {example.Target}");
                    continue;
                }
                var (status, body) = await SendAsync(example);
                var wantsError = example.Pipe?.Contains(".errors", StringComparison.Ordinal) == true;
                var ok = wantsError ? status is >= 400 and < 500 : status is >= 200 and < 300;
                if (!ok)
                {
                    failures.Add($"README line {example.Line}: {example.Method} {example.Target} → {status} {body[..Math.Min(body.Length, 300)]}");
                    continue;
                }
                var fields = JqFields(example.Pipe);
                if (example.AssignTo is null && fields.Count == 0)
                {
                    continue;
                }
                using var doc = JsonDocument.Parse(body);
                if (example.AssignTo is { } name)
                {
                    // VAR=$(curl … | jq -r .id)
                    variables[name] = doc.RootElement.GetProperty("id").GetString()!;
                }
                foreach (var field in fields)
                {
                    if (!doc.RootElement.TryGetProperty(field, out _))
                    {
                        failures.Add($"README line {example.Line}: the answer has no '{field}', which the example's jq reads");
                    }
                }
            }
        }

        Assert.True(sent >= 15, $"only {sent} curl examples found: has the README's shape changed?");
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void TheParser_ReadsQuotedBodies_Continuations_AndAssignments()
    {
        var block = new Block(10, """
            org=$(curl -s -X POST http://127.0.0.1:5080/api/organizations -H "X-Api-Key: $KEY" \
              -d '{"name":"A"}' | jq -r .id)
            curl -X POST http://127.0.0.1:5080/api/services -d '{"organization_id": "'"$org"'"}'
            curl -s "$API/api/gap_analyses/$ID" | jq '{status, progress_percent, stage}'
            """);
        var variables = new Dictionary<string, string> { ["KEY"] = "k", ["API"] = "http://127.0.0.1:5080", ["org"] = "o-1", ["ID"] = "g-1" };

        var examples = Examples(block, variables).ToList();

        Assert.Equal(3, examples.Count);
        Assert.Equal(("POST", "/api/organizations", "org", 10), (examples[0].Method, examples[0].Target, examples[0].AssignTo, examples[0].Line));
        Assert.Equal(("X-Api-Key", "k"), examples[0].Headers.Single());
        Assert.Equal("{\"name\":\"A\"}", examples[0].Body);
        Assert.Equal("{\"organization_id\": \"o-1\"}", examples[1].Body);
        Assert.Equal(12, examples[1].Line);
        Assert.Equal(("GET", "/api/gap_analyses/g-1"), (examples[2].Method, examples[2].Target));
        Assert.Equal(["status", "progress_percent", "stage"], JqFields(examples[2].Pipe));
    }

    private async Task<(int Status, string Body)> SendAsync(Example example)
    {
        using var client = Factory.CreateClient();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var request = new HttpRequestMessage(new HttpMethod(example.Method), example.Target);
            string? contentType = null;
            foreach (var (name, value) in example.Headers)
            {
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = value;
                }
                else
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }
            }
            if (example.Body is not null)
            {
                // curl -d without a Content-Type sends a form; every README example names its type.
                request.Content = new StringContent(example.Body, Encoding.UTF8);
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType ?? "application/x-www-form-urlencoded");
            }
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            // The README polls a background job until it has finished before it reads results or exports: an export answers
            // 409 and the job itself has no results while it is queued or running.
            if (example.Method == "GET" && DateTime.UtcNow < deadline
                && (response.StatusCode == HttpStatusCode.Conflict || IsUnfinishedJob(body)))
            {
                await Task.Delay(500);
                continue;
            }
            return ((int)response.StatusCode, body);
        }
    }

    private static bool IsUnfinishedJob(string body)
    {
        if (!body.StartsWith('{'))
        {
            return false;
        }
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String && status.GetString() is "queued" or "running";
    }

    private sealed record Block(int FirstLine, string Text);

    /// <summary>The README's shell code blocks, with the line number of each block's first line.</summary>
    private static List<Block> CodeBlocks(string readme)
    {
        var lines = readme.Split('\n');
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() is "```sh" or "```bash" or "```shell")
            {
                var start = i + 1;
                var end = start;
                while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
                {
                    end++;
                }
                blocks.Add(new Block(start + 1, string.Join('\n', lines[start..end])));
                i = end;
            }
        }
        return blocks;
    }

    /// <summary>
    /// The curl commands of a block, as a POSIX shell would see them: continuation lines joined, quotes removed,
    /// <c>$VAR</c> expanded outside single quotes (lazily: a variable set by an earlier command is known when it runs).
    /// </summary>
    private static IEnumerable<Example> Examples(Block block, Dictionary<string, string> variables)
    {
        var lines = block.Text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = i;
            var text = lines[i];
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text[..^1] + lines[++i];
            }
            // A JSON body in single quotes may run over several lines.
            while (text.Count(c => c == '\'') % 2 == 1 && i + 1 < lines.Length)
            {
                text += "\n" + lines[++i];
            }
            var match = CurlCommand().Match(text);
            if (!match.Success)
            {
                continue;
            }
            var assignTo = match.Groups["assign"].Success ? match.Groups["assign"].Value : null;
            var (words, rest) = ShellWords(text[match.Groups["curl"].Index..], variables);
            yield return ToExample(block.FirstLine + line, words, assignTo, rest);
        }
    }

    private static Example ToExample(int line, List<string> words, string? assignTo, string? pipe)
    {
        string method = "GET", url = "";
        string? body = null;
        var headers = new List<(string, string)>();
        var uploads = false;
        for (var w = 1; w < words.Count; w++)
        {
            switch (words[w])
            {
                case "-X":
                    method = words[++w];
                    break;
                case "-H":
                    var header = words[++w];
                    var colon = header.IndexOf(':', StringComparison.Ordinal);
                    headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                    break;
                case "-d" or "--data" or "--data-raw":
                    body = words[++w];
                    method = method == "GET" ? "POST" : method;
                    break;
                case "--data-binary" or "-F":
                    uploads = true;
                    w++;
                    break;
                case "-o":
                    w++;
                    break;
                case "-s" or "-i" or "-v":
                    break;
                default:
                    url = words[w];
                    break;
            }
        }
        var target = Regex.Replace(url, "^(https?://)?127\\.0\\.0\\.1:5080", "");
        // A placeholder such as `curl -H "X-Api-Key: rfk_…" …` names no route: nothing to send.
        return new Example(line, method, target, headers, body, assignTo, pipe, uploads || !target.StartsWith('/'));
    }

    /// <summary>The top-level fields a <c>jq '{a, b}'</c> or <c>jq '.a'</c> after the command reads.</summary>
    private static List<string> JqFields(string? pipe)
    {
        if (pipe is null || !pipe.Contains("jq", StringComparison.Ordinal))
        {
            return [];
        }
        var braces = JqObject().Match(pipe);
        if (braces.Success)
        {
            return braces.Groups[1].Value.Split(',').Select(f => f.Trim()).ToList();
        }
        var path = JqPath().Match(pipe);
        return path.Success ? [path.Groups[1].Value] : [];
    }

    /// <summary>Splits a command into words up to an unquoted <c>|</c>, <c>#</c>, <c>)</c> or <c>&gt;</c>; returns the rest.</summary>
    private static (List<string> Words, string? Tail) ShellWords(string text, Dictionary<string, string> variables)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var i = 0;
        string Variable()
        {
            var m = VariableName().Match(text, i + 1);
            i += m.Length;
            // An unset variable (an earlier example failed to set it) stays visible in what is sent, and is reported.
            return variables.TryGetValue(m.Value, out var value) ? value : $"${m.Value}-not-set";
        }
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                word.Append(text, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == '"')
            {
                for (i++; text[i] != '"'; i++)
                {
                    word.Append(text[i] == '$' ? Variable() : text[i]);
                }
                inWord = true;
            }
            else if (c == '$')
            {
                word.Append(Variable());
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else if (c is '|' or ')' or '>' || c == '#' && !inWord)
            {
                break;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return (words, i < text.Length ? text[i..] : null);
    }

    [GeneratedRegex(@"^\s*(?:(?<assign>[A-Za-z_]+)=\$\()?(?<curl>curl\s)")]
    private static partial Regex CurlCommand();

    [GeneratedRegex("\\G[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex VariableName();

    [GeneratedRegex(@"jq[^']*'\{([^}]*)\}'")]
    private static partial Regex JqObject();

    [GeneratedRegex(@"jq\s+(?:-r\s+)?'?\.([A-Za-z_]+)")]
    private static partial Regex JqPath();
}
