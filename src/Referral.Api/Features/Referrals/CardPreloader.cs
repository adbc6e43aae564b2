using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Referral.Api.Features.Referrals;

/// <summary>
/// Fills a newly loaded nearest index generation's card caches (<see cref="NearestGeneration.Services"/>,
/// <see cref="NearestGeneration.Locations"/>) in the background, up to their cap, so that a restarted instance answers
/// from memory within seconds instead of loading each card from the database on its first answer (issue 15: the first
/// minute after a start ran at a third of the steady throughput). The cards are mapped by the very code an answer's cache
/// miss uses (<see cref="NearestQueries.PreloadAsync"/>); a delta's copied caches lack only the changed ids, which are
/// filled again. <c>Referrals:PreloadCards=false</c> leaves the caches to the answers.
/// </summary>
internal sealed class CardPreloader(NearestIndex index, IServiceScopeFactory scopes, IOptions<ReferralSettings> settings, ILogger<CardPreloader> logger)
    : BackgroundService
{
    /// <summary>Ids per round trip (one statement for the services, one or two for the locations).</summary>
    internal const int Batch = 1000;

    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);

    // The service cache last filled: a generation sharing it (an empty delta) needs nothing more.
    private object? _filled;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!index.Enabled || !settings.Value.PreloadCards)
        {
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (index.Loaded is { } gen && !ReferenceEquals(gen.Services, _filled))
                {
                    await FillAsync(gen, stoppingToken);
                    failures = 0;
                }
                else
                {
                    await Task.Delay(Idle, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                if (!await IndexLoading.BackOffAsync(logger, "Card preload", ex, failures, stoppingToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Whether preloading helps: only when every site's cards fit under the cap. With more sites (1M) the cache can hold
    /// a tenth of them, and the ones the answers ask for (sites near where people search, mostly towns) fill it better
    /// than an arbitrary tenth would — which left most answers loading their cards from the database (p50 at one client
    /// 1.9 → 4.3 ms at 1M).
    /// </summary>
    internal static bool Worthwhile(IEnumerable<(Guid ServiceId, Guid LocationId)> sites, int cap) => !sites.Skip(cap).Any();

    private async Task FillAsync(NearestGeneration gen, CancellationToken ct)
    {
        if (!Worthwhile(gen.Sites(), NearestGeneration.MaxCachedRows))
        {
            _filled = gen.Services;
            logger.LogInformation("Card preload: skipped, more sites than the cards cached ({Cap}): the answers fill the cache", NearestGeneration.MaxCachedRows);
            return;
        }
        var clock = Stopwatch.StartNew();
        var services = new List<Guid>(Batch);
        var locations = new List<Guid>(Batch);
        var seenServices = new HashSet<Guid>();
        var seenLocations = new HashSet<Guid>();
        var (servicesBefore, locationsBefore) = (gen.Services.Count, gen.Locations.Count);
        foreach (var (serviceId, locationId) in gen.Sites())
        {
            var serviceRoom = gen.Services.Count + services.Count < NearestGeneration.MaxCachedRows;
            var locationRoom = gen.Locations.Count + locations.Count < NearestGeneration.MaxCachedRows;
            if (!serviceRoom && !locationRoom)
            {
                break;
            }
            if (serviceRoom && !gen.Services.ContainsKey(serviceId) && seenServices.Add(serviceId))
            {
                services.Add(serviceId);
            }
            if (locationRoom && !gen.Locations.ContainsKey(locationId) && seenLocations.Add(locationId))
            {
                locations.Add(locationId);
            }
            if (services.Count >= Batch || locations.Count >= Batch)
            {
                if (!await FlushAsync(gen, services, locations, ct))
                {
                    return; // superseded: the loop starts over with the new generation
                }
            }
        }
        if (!await FlushAsync(gen, services, locations, ct))
        {
            return;
        }
        _filled = gen.Services;
        logger.LogInformation("Card preload: {Services} service and {Locations} location cards in {Ms} ms",
            gen.Services.Count - servicesBefore, gen.Locations.Count - locationsBefore, clock.ElapsedMilliseconds);
    }

    // One batch through a fresh scope (its own DbContext); false when the loaded generation no longer shares gen's caches.
    private async Task<bool> FlushAsync(NearestGeneration gen, List<Guid> services, List<Guid> locations, CancellationToken ct)
    {
        if (!ReferenceEquals(index.Loaded?.Services, gen.Services))
        {
            return false;
        }
        if (services.Count + locations.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<NearestQueries>().PreloadAsync(gen, [.. services], [.. locations], ct);
        }
        services.Clear();
        locations.Clear();
        return true;
    }
}
