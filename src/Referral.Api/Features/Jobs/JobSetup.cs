using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Referral.Api.Features.Jobs;

internal static class JobSetup
{
    /// <summary>The background-job runner shared by every job kind: settings (section <c>Jobs</c>), claims, the worker.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobSettings>().BindConfiguration("Jobs").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<JobClaims>().AddSingleton<JobSignal>().AddSingleton<JobCancellations>().AddSingleton<JobMetrics>();
        services.AddScoped(typeof(JobStore<>));
        services.AddSingleton<JobWorker>().AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        services.AddSingleton<Data.DbNotifications>().AddHostedService(sp => sp.GetRequiredService<Data.DbNotifications>());
        return services;
    }

    /// <summary>A kind of job the worker runs: its table and how to run one claimed job in a fresh scope.</summary>
    public static IServiceCollection AddJobKind(this IServiceCollection services, string name, string table,
        Func<IServiceProvider, Guid, JobLease, CancellationToken, Task> run) =>
        services.AddSingleton(new JobKind(name, table, run));
}

/// <summary>
/// Job metrics (meter <c>Referral.Jobs</c>): run durations by kind, jobs waiting by kind (as the worker last saw them).
/// No job ids, owners or options: only the kind.
/// </summary>
internal sealed class JobMetrics : IDisposable
{
    public const string MeterName = "Referral.Jobs";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _duration;
    private readonly ConcurrentDictionary<string, long> _queued = new();

    public JobMetrics()
    {
        _duration = _meter.CreateHistogram<double>("referral.job.duration", "s", "Time a background job ran in this instance, by kind.");
        _meter.CreateObservableGauge("referral.job.queue.length",
            () => _queued.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("kind", kv.Key))),
            "{job}", "Jobs waiting in the queue, by kind.");
    }

    public void Ran(string kind, TimeSpan elapsed) => _duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("kind", kind));

    public void Queued(string kind, long count) => _queued[kind] = count;

    public void Dispose() => _meter.Dispose();
}
