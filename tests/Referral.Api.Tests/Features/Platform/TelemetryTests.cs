using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Platform;

/// <summary>
/// Issue 17, telemetry: /metrics (Prometheus text) is for admins on the main port, has request, database and job
/// metrics; and neither the metrics nor the spans carry a coordinate finer than 2 decimals, a search text, or a key.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime, IDisposable
{
    private readonly List<Activity> _spans = [];
    private readonly ReferralApiFactory _factory;

    public TelemetryTests()
    {
        _factory = new ReferralApiFactory
        {
            TestServices = services => services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(_spans)),
        };
        _factory.Settings["Telemetry:Tracing"] = "true";
    }

    public void Dispose() => _factory.Dispose();

    public Task InitializeAsync() => ((IAsyncLifetime)_factory).InitializeAsync();

    public Task DisposeAsync() => ((IAsyncLifetime)_factory).DisposeAsync();

    [Fact]
    public async Task Metrics_AdminsOnly_WithRequestDatabaseAndJobMetrics_AndNoPrivateValuesAnywhere()
    {
        await TestData.EnsureCategoriesAsync(_factory);
        using var admin = _factory.CreateClient(_factory.AdminKey);
        using var anonymous = _factory.CreateClient();
        // Precise coordinates, a search text, a bad request with a value in it, and the key in every admin request.
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/nearest?lat=9.934567&lng=-84.087654&search=violencia&category=police")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/services?search=violencia")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.GetAsync("/api/nearest?lat=91.123456&lng=-84.087654")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/referral?lat=9.934567&lng=-84.087654")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        var metrics = await ScrapeAsync(admin, "http_server_request_duration_seconds_bucket");
        Assert.Contains("http_route=\"/api/nearest\"", metrics, StringComparison.Ordinal);
        Assert.Contains("referral_http_errors", metrics, StringComparison.Ordinal);
        Assert.Contains("db_client_operation_duration", metrics, StringComparison.Ordinal);
        Assert.Contains("db_client_connection_count", metrics, StringComparison.Ordinal);
        // Runtime memory (System.Runtime meter), what an operator and the soak watch for leaks.
        Assert.Contains("dotnet_gc_last_collection_heap_size_bytes", metrics, StringComparison.Ordinal);

        _factory.Services.GetRequiredService<TracerProvider>().ForceFlush();
        // A copy: the background workers keep adding spans (List.ToArray does not enumerate).
        var spans = _spans.ToArray();
        Assert.Contains(spans, s => s.Kind == ActivityKind.Server && s.DisplayName == "GET /api/nearest");
        Assert.Contains(spans, s => s.Source.Name == "Npgsql");

        var everything = metrics + "\n" + string.Join("\n", spans.Select(s =>
            s.DisplayName + " " + string.Join(" ", s.TagObjects.Select(t => $"{t.Key}={t.Value}"))
            + string.Join(" ", s.Events.SelectMany(e => e.Tags.Select(t => $"{t.Key}={t.Value}")))));
        foreach (var secret in new[] { "9.934", "84.087", "91.123", "violencia", _factory.AdminKey, _factory.AdminKey[..12] })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>The scrape, once it has <paramref name="expected"/> (the exporter caches a scrape for a moment).</summary>
    private static async Task<string> ScrapeAsync(HttpClient admin, string expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            if (text.Contains(expected, StringComparison.Ordinal) || clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                return text;
            }
            await Task.Delay(500);
        }
    }
}
