using Spectre.Console;

namespace Referral.Api.Infrastructure;

/// <summary>
/// How the CLI verbs write (Spectre.Console): a verb's result goes to stdout, everything else to stderr. A progress bar is
/// drawn on stderr only when stderr is a terminal; redirected or piped, a verb shows no progress at all. Tables are laid
/// out by Spectre on stdout: plain text (no ANSI escapes, no colour, never wrapped) unless stdout is a terminal.
/// </summary>
internal static class CliOutput
{
    /// <summary>Wider than any table or line a verb prints: redirected output is never wrapped.</summary>
    private const int RedirectedWidth = 4096;

    /// <summary>A console on stdout for a verb's tables (the current <see cref="Console.Out"/>, so tests can capture it).</summary>
    public static IAnsiConsole Stdout() =>
        Console.IsOutputRedirected ? Create(new TrimmingWriter(Console.Out), terminal: false) : Create(Console.Out, terminal: true);

    /// <summary>
    /// Runs <paramref name="work"/> with a progress bar titled <paramref name="title"/> on stderr when <paramref name="show"/>
    /// and stderr is a terminal; otherwise with no progress (<paramref name="work"/> then gets null).
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(string title, bool show, Func<CliProgress?, Task<T>> work)
    {
        if (!show || Console.IsErrorRedirected)
        {
            return await work(null);
        }
        return await Create(Console.Error, terminal: true).Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 100);
                var result = await work(new CliProgress(task, title));
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            });
    }

    /// <summary>A table with the verbs' look: a rule above, below the header and below the rows; the first column left.</summary>
    public static Table NewTable(IEnumerable<string> header, Func<int, bool>? leftAligned = null)
    {
        var table = new Table().Border(TableBorder.Horizontal);
        var i = 0;
        foreach (var title in header)
        {
            var column = new TableColumn(new Text(title, new Style(decoration: Decoration.Bold)));
            if ((leftAligned ?? (c => c == 0))(i++))
            {
                column.LeftAligned();
            }
            else
            {
                column.RightAligned();
            }
            table.AddColumn(column);
        }
        return table;
    }

    /// <summary>Adds a row of plain cells (never read as Spectre markup).</summary>
    public static Table Row(this Table table, IEnumerable<string> cells) => table.AddRow([.. cells.Select(c => new Text(c))]);

    private static IAnsiConsole Create(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        // The verbs print ≥, × and ÷ in any case; box lines need no fallback to ASCII.
        console.Profile.Capabilities.Unicode = true;
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }
        return console;
    }
}

/// <summary>Passes text on without the spaces at the end of its lines (a table's padding), for files and pipes.</summary>
internal sealed class TrimmingWriter(TextWriter inner) : TextWriter
{
    private int _spaces;

    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == ' ')
        {
            _spaces++;
            return;
        }
        if (value != '\n')
        {
            inner.Write(new string(' ', _spaces));
        }
        _spaces = 0;
        inner.Write(value);
    }

    public override void Flush() => inner.Flush();
}

/// <summary>A running progress bar: the share done (0–100) and what is being done.</summary>
internal sealed class CliProgress(ProgressTask task, string title)
{
    public void Report(double percent, string? stage = null)
    {
        task.Value = Math.Clamp(percent, 0, 100);
        if (stage is not null)
        {
            task.Description = Markup.Escape($"{title}: {stage}");
        }
    }

    /// <summary>An <see cref="IProgress{T}"/> that updates the bar from the caller's thread (not posted to a context).</summary>
    public IProgress<T> For<T>(Action<CliProgress, T> report) => new Reporter<T>(value => report(this, value));

    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
