using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Data;
using Referral.Api.Data.Seeding;
using Referral.Api.Features.Access;
using Referral.Api.Features.Exports;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Imports;
using Referral.Api.Features.Placements;
using Referral.Api.Features.Places;

namespace Referral.Api;

/// <summary>
/// CLI verbs of the same executable (System.CommandLine): <c>dotnet run --project src/Referral.Api --no-launch-profile -- import …</c>.
/// No verb (or <c>serve</c>) starts the web server. Only <c>migrate</c> and <c>seed</c> migrate; every other verb checks that
/// the database schema is up to date and refuses when it is behind. Each verb runs as a named system actor (recorded in
/// the audit log). Results go to stdout, everything else (logs, progress, notes) to stderr.
/// Exit codes: 0 done, 1 bad arguments, 2 no database, 3 some records rejected, 4 unreadable input, 5 schema behind.
/// </summary>
internal static class Cli
{
    public const int Ok = 0;
    public const int BadArguments = 1;
    public const int NoDatabase = 2;
    public const int SchemaBehind = 5;

    private static readonly string[] HelpTokens = ["--help", "-h", "-?", "/?", "/h"];

    /// <summary>
    /// The web server starts with no arguments, with <c>serve</c> (its further arguments are configuration switches such as
    /// <c>--urls=…</c>), or with configuration switches alone (<c>--key=value</c>, as the test host passes them).
    /// </summary>
    public static bool IsServer(string[] args, out string[] serverArgs)
    {
        serverArgs = args;
        if (args.Length == 0)
        {
            return true;
        }
        if (args[0] == "serve")
        {
            serverArgs = args[1..];
            return !args.Any(a => HelpTokens.Contains(a));
        }
        return args[0].StartsWith("--", StringComparison.Ordinal) && args[0].Contains('=', StringComparison.Ordinal);
    }

    /// <summary>
    /// A verb's result is its stdout (the gaps table, a new key), so its log lines go to stderr and never mix in; and only
    /// warnings and errors are logged, so no <c>info:</c> line lands in the middle of a report on the terminal.
    /// </summary>
    public static ILoggingBuilder AddCliLogging(this ILoggingBuilder logging) =>
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, LogLevel.Warning);

    /// <summary>Runs a verb with the app <paramref name="build"/> makes (built only when a verb needs the database).</summary>
    public static Task<int> RunAsync(string[] args, Func<IServiceProvider> build, CancellationToken ct = default) =>
        InvokeAsync(args, new Lazy<IServiceProvider>(build), ct);

    /// <summary>Runs a verb against <paramref name="services"/> (tests: the test host's services).</summary>
    public static Task<int> RunAsync(IServiceProvider services, string[] args, CancellationToken ct = default) =>
        InvokeAsync(args, new Lazy<IServiceProvider>(services), ct);

    private static async Task<int> InvokeAsync(string[] args, Lazy<IServiceProvider> services, CancellationToken ct)
    {
        // The verbs speak English (their tables, notes and the analyses' headlines), whatever the machine's locale; only
        // the API's answers follow language / Accept-Language. Set here, it does not outlive the verb (async flow).
        System.Globalization.CultureInfo.CurrentUICulture = System.Globalization.CultureInfo.GetCultureInfo("en");
        var root = Root(services);
        var parsed = root.Parse(args);
        // Help asked for goes to stdout; a parse error (with its typo suggestions and the usage) goes to stderr.
        var config = new InvocationConfiguration
        {
            Output = parsed.Errors.Count > 0 ? Console.Error : Console.Out,
            Error = Console.Error,
            EnableDefaultExceptionHandler = false,
        };
        return await parsed.InvokeAsync(config, ct);
    }

    internal static RootCommand Root(Lazy<IServiceProvider> services)
    {
        var root = new RootCommand("""
            Referral: the API server (no verb, or `serve`) and its command-line verbs.
            From the repository root: dotnet run --project src/Referral.Api --no-launch-profile -- <verb> [options]
            The database is ConnectionStrings__Referral (default: the local cluster of `make db`). Only `migrate` and `seed`
            change the schema; the other verbs refuse to run on a database whose schema is behind.
            Exit codes: 0 done, 1 bad arguments, 2 no database, 3 some records rejected, 4 unreadable input, 5 schema behind.
            """);
        root.SetAction(_ =>
        {
            // Reached only for `serve --help`-like input; `serve` itself is handled before parsing (Program.cs).
            Console.Error.WriteLine("Give a verb, or no argument at all to start the server; --help lists the verbs.");
            return BadArguments;
        });

        var serve = new Command("serve", "Start the web server (the same as no verb). Configuration switches may follow, e.g. --urls=http://127.0.0.1:5081.");
        serve.SetAction(_ => Ok);
        root.Subcommands.Add(serve);

        var migrate = new Command("migrate", "Apply the pending database migrations (with ConnectionStrings__ReferralMigrations, the schema owner, when set).");
        migrate.SetAction(Verb(services, "migrate", Schema.Migrate, (_, _, _) => Task.FromResult(Ok)));
        root.Subcommands.Add(migrate);

        var seed = new Command("seed", "Migrate, then load seed/ (taxonomy, regions, towns and the FICTIONAL demo directory); running it twice changes nothing.");
        seed.SetAction(Verb(services, "seed", Schema.Migrate, async (sp, _, ct) =>
        {
            await sp.GetRequiredService<SeedLoader>().RunAsync(ct);
            return Ok;
        }));
        root.Subcommands.Add(seed);

        root.Subcommands.Add(Keys(services));
        root.Subcommands.Add(Import(services));
        root.Subcommands.Add(Export(services));
        root.Subcommands.Add(Places(services));
        root.Subcommands.Add(Gaps(services));
        root.Subcommands.Add(Place(services));

        var help = new Command("help", "Show the verbs, or one verb's options: help import, help gaps run.");
        var topic = new Argument<string[]>("verb") { Arity = ArgumentArity.ZeroOrMore, Description = "The verb (and sub-verb) to explain." };
        help.Arguments.Add(topic);
        help.SetAction(async (pr, ct) =>
        {
            var words = pr.GetValue(topic) ?? [];
            var target = root.Parse([.. words, "--help"]);
            if (target.Errors.Count > 0)
            {
                return await target.InvokeAsync(new InvocationConfiguration { Output = Console.Error, Error = Console.Error }, ct);
            }
            return await target.InvokeAsync(new InvocationConfiguration { Output = Console.Out, Error = Console.Error }, ct);
        });
        root.Subcommands.Add(help);
        return root;
    }

    private enum Schema
    {
        /// <summary>Refuse when migrations are pending.</summary>
        Check,

        /// <summary>Apply them (migrate, seed).</summary>
        Migrate,
    }

    private static Func<ParseResult, CancellationToken, Task<int>> Verb(
        Lazy<IServiceProvider> services, string verb, Schema schema, Func<IServiceProvider, ParseResult, CancellationToken, Task<int>> body) =>
        async (parsed, ct) =>
        {
            try
            {
                await using var scope = services.Value.CreateAsyncScope();
                var sp = scope.ServiceProvider;
                sp.GetRequiredService<ActorContext>().Set(Actor.System($"cli:{verb}"));
                if (schema == Schema.Migrate)
                {
                    DataSetup.UseSchemaOwner(sp);
                }
                var db = sp.GetRequiredService<ReferralDbContext>();
                if (schema == Schema.Migrate)
                {
                    await db.Database.MigrateAsync(ct);
                    var code = await body(sp, parsed, ct);
                    if (code == Ok)
                    {
                        await Console.Error.WriteLineAsync($"{verb}: done");
                    }
                    return code;
                }
                var pending = await PendingMigrationsAsync(db, ct);
                if (pending.Count > 0)
                {
                    await Console.Error.WriteLineAsync(
                        $"{verb}: the database schema is behind this version of Referral ({pending.Count} migration(s) pending, the latest {pending[^1]}). "
                        + "Nothing was done. Migrating is a deliberate step: back up the database, then run the `migrate` verb.");
                    return SchemaBehind;
                }
                return await body(sp, parsed, ct);
            }
            catch (Npgsql.NpgsqlException ex)
            {
                await Console.Error.WriteLineAsync($"{verb}: cannot reach the database ({ex.Message}). Start the local one with `make db`, or set ConnectionStrings__Referral.");
                return NoDatabase;
            }
        };

    /// <summary>This version's migrations the database lacks (all of them on an empty database), without EF's error log.</summary>
    internal static async Task<List<string>> PendingMigrationsAsync(ReferralDbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        var applied = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var probe = connection.CreateCommand();
            probe.CommandText = "SELECT to_regclass('\"__EFMigrationsHistory\"') IS NOT NULL";
            if (await probe.ExecuteScalarAsync(ct) is true)
            {
                await using var read = connection.CreateCommand();
                read.CommandText = "SELECT migration_id FROM \"__EFMigrationsHistory\"";
                await using var rows = await read.ExecuteReaderAsync(ct);
                while (await rows.ReadAsync(ct))
                {
                    applied.Add(rows.GetString(0));
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return [.. db.Database.GetMigrations().Where(m => !applied.Contains(m))];
    }

    // ---- options ------------------------------------------------------------------------------------------------

    private static Option<string> Value(string name, string description, string? defaultValue = null, string? helpName = null, params string[] allowed)
    {
        // With a list of values, the help shows them (<auto|keep|rebuild>) instead of a name.
        var option = new Option<string>(name) { Description = description, HelpName = allowed.Length > 0 ? null : helpName };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        if (allowed.Length > 0)
        {
            option.AcceptOnlyFromAmong(allowed);
        }
        return option;
    }

    private static string Number(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>The options given on the command line (defaults left out), by name without the dashes: flags as "true".</summary>
    internal static Dictionary<string, string> Given(ParseResult parsed)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var result in parsed.CommandResult.Children.OfType<OptionResult>())
        {
            if (result.Implicit)
            {
                continue;
            }
            var name = result.Option.Name.TrimStart('-');
            switch (result.Option)
            {
                case Option<bool> flag:
                    if (parsed.GetValue(flag))
                    {
                        values[name] = "true";
                    }
                    break;
                case Option<string> text when parsed.GetValue(text) is { } value:
                    values[name] = value;
                    break;
            }
        }
        return values;
    }

    // ---- keys ---------------------------------------------------------------------------------------------------

    private static Command Keys(Lazy<IServiceProvider> services)
    {
        var keys = new Command("keys", "Create, list and revoke API keys.");
        var create = new Command("create", "Create a key; prints it alone on its last line, this once only (store it then).");
        var role = Value("--role", "What the key may do: caseworker (read confidential locations), editor (write its organization's records), planner (gap analyses, placements), admin (everything).", helpName: "role", allowed: Roles.All);
        role.Required = true;
        var name = Value("--name", "A name for the key, unique, to list and revoke it by (1 to 256 characters).", helpName: "name");
        name.Required = true;
        var organization = Value("--organization", "The id of the organization the key belongs to (required for editor keys, optional otherwise).", helpName: "uuid");
        create.Options.Add(role);
        create.Options.Add(name);
        create.Options.Add(organization);
        create.SetAction(Verb(services, "keys", Schema.Check, (sp, pr, ct) =>
            KeysCli.CreateAsync(sp.GetRequiredService<ApiKeyService>(), pr.GetValue(role)!, pr.GetValue(name)!, pr.GetValue(organization), ct)));
        keys.Subcommands.Add(create);

        var list = new Command("list", "List the keys (never their secrets): id, prefix, role, name, organization, created, revoked.");
        list.SetAction(Verb(services, "keys", Schema.Check, (sp, _, ct) => KeysCli.ListAsync(sp.GetRequiredService<ApiKeyService>(), ct)));
        keys.Subcommands.Add(list);

        var revoke = new Command("revoke", "Revoke a key by its name or id; requests with it are refused from then on.");
        var which = new Argument<string>("name-or-id") { Description = "The key's name or id." };
        revoke.Arguments.Add(which);
        revoke.SetAction(Verb(services, "keys", Schema.Check, (sp, pr, ct) => KeysCli.RevokeAsync(sp.GetRequiredService<ApiKeyService>(), pr.GetValue(which)!, ct)));
        keys.Subcommands.Add(revoke);
        return keys;
    }

    // ---- import / export / places -------------------------------------------------------------------------------

    private static Command Import(Lazy<IServiceProvider> services)
    {
        var import = new Command("import", """
            Import services (the same import as POST /api/imports), with a progress bar on stderr and the report on stdout.
            A folder (or a .zip) is read as the HSDS CSV data package; .csv as CSV, .geojson as GeoJSON, .json/.ndjson as HSDS.
            Exit codes: 0 every record valid (and written, unless a dry run), 3 records were rejected (the report says what
            was written), 1 bad arguments, 4 unreadable input.
            """);
        var path = new Argument<string>("file|folder") { Description = "The file, folder or .zip to import." };
        import.Arguments.Add(path);
        import.Options.Add(Value("--format", "The input format (default: from the file name).", helpName: "format", allowed: ["csv", "geojson", "hsds", "hsds-csv"]));
        import.Options.Add(Value("--mapping", "A JSON file mapping your CSV columns to ours (README, Import).", helpName: "mapping.json"));
        import.Options.Add(Flag("--dry-run", "Validate and report what would be created and updated; write nothing."));
        import.Options.Add(Flag("--valid-only", "Write the valid records and report the rejected ones (default: all or nothing)."));
        import.Options.Add(Value("--source", "The name of the source, kept with every record (default: the file's name).", helpName: "name"));
        import.Options.Add(Value("--country", "ISO 3166-1 alpha-2 country of rows without one (phone numbers, regions), e.g. CR.", helpName: "CC"));
        import.Options.Add(Value("--organization", "The organization (id, or a name found or created) of records without one.", helpName: "id|name"));
        import.Options.Add(Value("--language", "The language of the records' text.", "en", "code", "en", "es", "pt", "fr"));
        import.Options.Add(Value("--border-tolerance-km", "How far outside its country's outline a location may be before it is rejected, in km (0 to 1000).", "5", "km"));
        import.Options.Add(Value("--indexes", "Rebuild the search indexes after a large import (auto), always (rebuild) or never (keep).", "auto", "strategy", "auto", "keep", "rebuild"));
        import.Options.Add(Value("--report", "Write the full report (every rejection and warning) to this JSON file.", helpName: "report.json"));
        import.Options.Add(Flag("--quiet", "No progress bar."));
        import.SetAction(Verb(services, "import", Schema.Check, (sp, pr, ct) => ImportCli.RunAsync(sp, pr.GetValue(path)!, Given(pr), ct)));
        return import;
    }

    private static Command Export(Lazy<IServiceProvider> services)
    {
        var export = new Command("export", "Export the directory: locations as the public sees them unless --exact.");
        var path = new Argument<string>("file|-") { Description = "The file to write; - writes to standard output." };
        var format = Value("--format", "hsds (NDJSON, a service per line), hsds-csv (the HSDS CSV package, .zip), geojson or csv (default: from the file name: .ndjson/.jsonl/.json hsds, .zip hsds-csv, .geojson, .csv).",
            helpName: "format", allowed: ["hsds", "hsds-csv", "geojson", "csv"]);
        var exact = Flag("--exact", "Include hidden and approximate locations exactly as they are: keep such a file confidential.");
        var metadata = Flag("--metadata", "Include the records' metadata (sources, last verified, change history).");
        export.Arguments.Add(path);
        export.Options.Add(format);
        export.Options.Add(exact);
        export.Options.Add(metadata);
        export.SetAction(Verb(services, "export", Schema.Check, (sp, pr, ct) =>
            ExportCli.RunAsync(sp, pr.GetValue(path)!, pr.GetValue(format), pr.GetValue(exact), pr.GetValue(metadata), ct)));
        return export;
    }

    private static Command Places(Lazy<IServiceProvider> services)
    {
        var places = new Command("places", "The gazetteer of towns (/api/places).");
        var import = new Command("import", """
            Load GeoNames towns: a dump (cities500/1000/5000/15000.txt, a country file such as KE.txt, allCountries.txt):
            tab-separated, 19 columns, no header. Only populated places (feature class P) are stored; upserts by GeoNames id.
            Exit codes: 0 every row read, 3 some rows were rejected (the rest is stored), 1 bad arguments, 4 unreadable file.
            """);
        var path = new Argument<string>("geonames.txt") { Description = "The GeoNames dump." };
        var admin1 = Value("--admin1", "admin1CodesASCII.txt: maps GeoNames admin-1 keys (KE.30) to the directory's provinces by name; unmapped keys are kept as region codes.", helpName: "file");
        var country = Value("--country", "Only these countries (ISO 3166-1 alpha-2, comma separated), e.g. KE,UG (default: all).", helpName: "codes");
        var min = Value("--min-population", "Leave out towns smaller than this.", "0", "people");
        var dryRun = Flag("--dry-run", "Read and report; store nothing.");
        var report = Value("--report", "Write the full report to this JSON file.", helpName: "report.json");
        import.Arguments.Add(path);
        import.Options.Add(admin1);
        import.Options.Add(country);
        import.Options.Add(min);
        import.Options.Add(dryRun);
        import.Options.Add(report);
        import.SetAction(Verb(services, "places", Schema.Check, (sp, pr, ct) => PlacesCli.ImportAsync(sp, pr.GetValue(path)!, Given(pr), ct)));
        places.Subcommands.Add(import);
        return places;
    }

    // ---- gaps / place -------------------------------------------------------------------------------------------

    private static Option[] GapRunOptions() =>
    [
        Value("--dataset", "The demand dataset, by name or id (default: the demo dataset, loading the seed first if it is missing).", helpName: "name|id"),
        Value("--categories", "Referral categories to analyse, comma separated (default: every in-person category).", helpName: "police,health,..."),
        Value("--thresholds", "Distance bands in km, comma separated.", string.Join(',', GapOptionsParser.DefaultThresholdsKm), "km,..."),
        Value("--catchment", "The 2SFCA catchment in km.", Number(GapOptionsParser.DefaultCatchmentKm), "km"),
        Value("--decay", "The 2SFCA distance decay.", "none", "decay", GapOptionsParser.Decays),
        Value("--fca-cell", "The 2SFCA grid cell in km; 0 is exact (default: exact for small datasets, else Gaps:FcaCellKm).", helpName: "km"),
        Value("--target-km", "Served means within this distance.", Number(GapOptionsParser.DefaultTargetKm), "km"),
        Value("--target-share", "The share of people that should be served; below it a class is a gap.", Number(GapOptionsParser.DefaultTargetShare), "share"),
        Value("--worst", "How many worst-served settlements to list per category.", Number(GapOptionsParser.DefaultWorstN), "n"),
        Value("--region-level", "Group the regional figures by regions of this level (0 to 10).", helpName: "n"),
        Value("--urban-centre", "Population from which a settlement without a class is an urban centre.", "50000", "people"),
        Value("--urban-cluster", "Population from which a settlement without a class is a town (urban cluster).", "5000", "people"),
        Flag("--travel", "Add the travel-time estimate (straight line × detour ÷ class speed; not a network time)."),
        Value("--detour", "The detour factor of the travel-time estimate.", Number(GapTravelOptions.Default.DetourFactor), "factor"),
        Value("--age", "Only services for a child of this age.", helpName: "years"),
        Value("--language", "Only services in this language.", helpName: "code"),
        Value("--gender", "Only services for this gender.", helpName: "gender"),
        Flag("--any-country", "Count sites across borders (default: only sites in the settlement's country)."),
        Flag("--force", "Recompute even when the same inputs were analysed before."),
        Value("--out", "Also write gap-table.csv, gap-points.geojson and gap-regions.geojson into this folder.", helpName: "dir"),
        Flag("--json", "Print the whole result document as JSON on stdout instead of the table."),
    ];

    private static Command Gaps(Lazy<IServiceProvider> services)
    {
        const string Describe = "Gap analysis: where is help missing, for whom, urban against rural. Without a sub-verb, `gaps run`.";
        var gaps = new Command("gaps", Describe);
        foreach (var option in GapRunOptions())
        {
            gaps.Options.Add(option);
        }
        gaps.SetAction(Verb(services, "gaps", Schema.Check, (sp, pr, ct) => GapCli.AnalyseAsync(sp, Given(pr), ct)));

        var run = new Command("run", "Run an analysis with a progress bar on stderr and print the urban/rural table (or --json) on stdout.");
        foreach (var option in GapRunOptions())
        {
            run.Options.Add(option);
        }
        run.SetAction(Verb(services, "gaps", Schema.Check, (sp, pr, ct) => GapCli.AnalyseAsync(sp, Given(pr), ct)));
        gaps.Subcommands.Add(run);

        var import = new Command("import", "Import a demand dataset: settlements with population and class (CSV or GeoJSON).");
        var file = new Argument<string>("file") { Description = "FILE.csv (or .txt) or FILE.geojson." };
        import.Arguments.Add(file);
        import.Options.Add(Value("--name", "The dataset's name (default: the CSV file's name; a GeoJSON file's own name).", helpName: "name"));
        import.Options.Add(Flag("--replace", "Replace the dataset of that name (default: refuse when it exists)."));
        import.Options.Add(Flag("--valid-only", "Store the valid rows and report the rest (default: nothing is stored when a row is invalid)."));
        import.Options.Add(Value("--description", "A description of the dataset.", helpName: "text"));
        import.Options.Add(Value("--source", "Where the data comes from.", helpName: "text"));
        import.Options.Add(Value("--license", "The data's licence, e.g. \"CC BY 4.0\".", helpName: "text"));
        import.SetAction(Verb(services, "gaps", Schema.Check, (sp, pr, ct) => GapCli.ImportAsync(sp, pr.GetValue(file)!, Given(pr), ct)));
        gaps.Subcommands.Add(import);

        var regions = new Command("regions", "Import region outlines: a GeoJSON FeatureCollection (code, name, level, parent_code?, population?, class?), upserted by code.");
        var outlines = new Argument<string>("file") { Description = "FILE.geojson" };
        regions.Arguments.Add(outlines);
        regions.SetAction(Verb(services, "gaps", Schema.Check, (sp, pr, ct) => GapCli.RegionsAsync(sp, pr.GetValue(outlines)!, ct)));
        gaps.Subcommands.Add(regions);

        var list = new Command("list", "List the demand datasets: id, settlements, population, name.");
        list.SetAction(Verb(services, "gaps", Schema.Check, (sp, _, ct) => GapCli.ListAsync(sp, ct)));
        gaps.Subcommands.Add(list);
        return gaps;
    }

    private static Command Place(Lazy<IServiceProvider> services)
    {
        var place = new Command("place", """
            Where should k new sites go? Prints the sites in pick order and the urban/rural figures before and after.
            Candidate sites of your own: --candidates FILE (or POST /api/placements with candidates=points).
            """);
        var category = Value("--category", "The in-person referral category of the new sites.", helpName: "code");
        category.Required = true;
        place.Options.Add(category);
        place.Options.Add(Value("--dataset", "The demand dataset, by name or id (default: the demo dataset, loading the seed first if it is missing).", helpName: "name|id"));
        place.Options.Add(Value("--k", "How many new sites (1 to 50).", "3", "n"));
        place.Options.Add(Value("--objective", "coverage: most people newly within the target; median: least population-weighted distance.", "coverage", "objective", "coverage", "median"));
        place.Options.Add(Value("--target-km", "The coverage target in km.", "25", "km"));
        place.Options.Add(Value("--candidates", """
            Where sites may go: every settlement, grid cell centres, or a FILE of the sites that can actually be used: a CSV
            with a header (lat,lng[,name]; the column spellings the demand import accepts), GeoJSON Point features (name in
            properties), or JSON {"points": [{"name", "latitude", "longitude"}]} as POST /api/placements takes them. Invalid
            rows are skipped and listed on stderr (exit code 3). Write ./grid for a file named grid.
            """, "settlements", "settlements|grid|FILE"));
        place.Options.Add(Value("--cell-km", "The grid's cell size in km (--candidates grid).", "5", "km"));
        place.Options.Add(Value("--min-spacing-km", "New sites at least this far apart.", "0", "km"));
        place.Options.Add(Value("--within", "Only candidates in these regions, comma separated (default: all).", helpName: "R1,R2"));
        place.Options.Add(Value("--reach-km", "median: new sites are weighed for settlements within this distance.", "100", "km"));
        place.Options.Add(Flag("--travel", "Use the travel-time estimate instead of straight-line distance (the target is then minutes)."));
        place.Options.Add(Value("--target-minutes", "The target in minutes with --travel.", "30", "min"));
        place.Options.Add(Value("--age", "Only existing services for a child of this age count.", helpName: "years"));
        place.Options.Add(Value("--language", "Only existing services in this language count.", helpName: "code"));
        place.Options.Add(Value("--gender", "Only existing services for this gender count.", helpName: "gender"));
        place.Options.Add(Flag("--force", "Recompute even when the same inputs were placed before."));
        place.Options.Add(Flag("--json", "Print the whole placement document as JSON on stdout instead of the table."));
        place.Options.Add(Value("--out", "Also write the sites as CSV and GeoJSON into this folder.", helpName: "dir"));
        place.SetAction(Verb(services, "place", Schema.Check, (sp, pr, ct) => PlacementCli.RunAsync(sp, Given(pr), ct)));
        return place;
    }
}
