using System.Diagnostics;
using System.Diagnostics.Metrics;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Referral.Api.Infrastructure;

/// <summary>Settings of the telemetry (section <c>Telemetry</c>); OTLP also follows the standard OTEL_* variables.</summary>
internal sealed class TelemetryOptions
{
    /// <summary>OTLP endpoint (e.g. http://collector:4317) for traces and metrics; OTEL_EXPORTER_OTLP_ENDPOINT works too.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Record traces (on when an OTLP endpoint is set).</summary>
    public bool? Tracing { get; set; }

    /// <summary>
    /// Serve the Prometheus scrape endpoint <c>/metrics</c> on this port only (a separate listener, e.g. 9464, reachable
    /// by the scraper and not through the public load balancer). Unset: <c>/metrics</c> on the main port, admins only.
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>The address the metrics listener binds to (default 127.0.0.1; 0.0.0.0 in a container).</summary>
    public string MetricsHost { get; set; } = "127.0.0.1";
}

/// <summary>
/// OpenTelemetry for operators: metrics (request rate and latency by route and status, errors by code, database command
/// time and pool usage from Npgsql, job durations and queue length, import rows) on <c>/metrics</c> and by OTLP; traces
/// (requests and database commands) by OTLP when configured. Privacy: spans keep the route template, never the raw
/// path or query string (so no coordinates, search text or tile numbers), and no header; no metric has a value from a
/// request as a tag; API keys appear nowhere.
/// </summary>
internal static class Telemetry
{
    /// <summary>The meter of the app's own metrics.</summary>
    public const string MeterName = "Referral";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>("referral.http.errors", "{error}",
        "Problem answers (4xx and 5xx) by their stable code.");

    private static readonly Counter<long> ImportRows = Meter.CreateCounter<long>("referral.import.rows", "{row}",
        "Records read by imports, by outcome (committed, dry_run, rejected); rows/s is its rate.");

    private static readonly Histogram<double> ImportDuration = Meter.CreateHistogram<double>("referral.import.duration", "s",
        "Time an import took, by outcome.");

    public static void Error(string code) => Errors.Add(1, new KeyValuePair<string, object?>("code", code));

    public static void Imported(string status, long rows, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("status", status);
        ImportRows.Add(rows, tag);
        ImportDuration.Record(took.TotalSeconds, tag);
    }

    public static WebApplicationBuilder AddReferralTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = options.OtlpEndpoint is { Length: > 0 } || builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 };
        builder.Services.AddSingleton(options);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("referral-api", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter("Npgsql", "System.Runtime", MeterName, Features.Jobs.JobMetrics.MeterName)
                .AddPrometheusExporter());
        if (options.Tracing ?? otlp)
        {
            otel.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.RecordException = false;
                    o.EnrichWithHttpResponse = (activity, response) => Scrub(activity, response.HttpContext);
                })
                .AddNpgsql());
        }
        if (otlp)
        {
            otel.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc,
                options.OtlpEndpoint is { Length: > 0 } endpoint ? new Uri(endpoint) : new Uri(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]!));
        }
        if (options.MetricsPort is { } port)
        {
            // A second listener beside the configured URLs; /metrics answers only there.
            var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } given ? given : "http://localhost:5000";
            builder.WebHost.UseUrls($"{urls};http://{options.MetricsHost}:{port}");
        }
        return builder;
    }

    /// <summary>/metrics: on its own port when <see cref="TelemetryOptions.MetricsPort"/> is set, else for admins on the main port.</summary>
    public static WebApplication MapReferralMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<TelemetryOptions>();
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (options.MetricsPort is { } port)
        {
            endpoint.RequireHost($"*:{port}");
        }
        else
        {
            endpoint.RequireAuthorization(Authorization.AdminPolicy);
        }
        return app;
    }

    /// <summary>Only the route template and status stay on a request span: no raw path (ids, tile numbers), no query.</summary>
    private static void Scrub(Activity activity, HttpContext http)
    {
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        activity.SetTag("url.path", route is null ? null : "/" + route.TrimStart('/'));
        activity.SetTag("url.query", null);
        activity.SetTag("url.full", null);
        activity.SetTag("user_agent.original", null);
        activity.SetTag("client.address", null);
        if (route is null)
        {
            activity.DisplayName = http.Request.Method;
        }
    }
}
