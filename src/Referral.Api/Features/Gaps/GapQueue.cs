using System.Threading.Channels;

namespace Referral.Api.Features.Gaps;

/// <summary>Analyses waiting for the background worker (in process; the analysis rows are the durable record).</summary>
internal sealed class GapQueue
{
    private readonly Channel<Guid> _channel = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    public ValueTask EnqueueAsync(Guid analysisId, CancellationToken ct) => _channel.Writer.WriteAsync(analysisId, ct);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken ct) => _channel.Reader.ReadAllAsync(ct);
}
