using System.Collections.Concurrent;

namespace Referral.Api.Features.Jobs;

/// <summary>
/// The jobs running in this process, each with the token that cancels it: an owner's cancel request (REST, GraphQL)
/// reaches the run wherever it runs here (inline in another request or in the background worker).
/// </summary>
internal sealed class JobCancellations
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    /// <summary>Registers a run; dispose the result when it ends.</summary>
    public Registration Register(Guid jobId, CancellationToken linked)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _running[jobId] = source;
        return new Registration(this, jobId, source);
    }

    /// <summary>Cancels the run of this analysis in this process; false when none runs here.</summary>
    public bool Cancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var source))
        {
            return false;
        }
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        return true;
    }

    internal sealed class Registration(JobCancellations owner, Guid jobId, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose()
        {
            owner._running.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(jobId, source));
            source.Dispose();
        }
    }
}
