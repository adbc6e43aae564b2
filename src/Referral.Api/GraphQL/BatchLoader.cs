using GraphQL.DataLoader;

namespace Referral.Api.GraphQL;

/// <summary>
/// A per-request batch loader (the GraphQL.DataLoader package is not on our feed; only <see cref="IDataLoaderResult{T}"/>
/// ships in core). Every key queued through <see cref="LoadAsync"/> before the execution strategy awaits the first returned
/// result is fetched with ONE call of the fetch delegate, i.e. one <c>WHERE key = ANY(@keys)</c> query per batch.
/// Keys are de-duplicated within a batch but not cached across batches, so a mutation followed by a read in the same
/// request never sees stale values. Register derived loaders as scoped services.
/// </summary>
internal class BatchLoader<TKey, TValue>(Func<IReadOnlyList<TKey>, CancellationToken, Task<IDictionary<TKey, TValue>>> fetch)
    where TKey : notnull
{
    private readonly Lock _sync = new();
    private Batch? _pending;

    public IDataLoaderResult<TValue?> LoadAsync(TKey key)
    {
        lock (_sync)
        {
            _pending ??= new Batch(this);
            _pending.Keys.Add(key);
            return new Result(_pending, key);
        }
    }

    private sealed class Batch(BatchLoader<TKey, TValue> owner)
    {
        private Task<IDictionary<TKey, TValue>>? _task;

        public HashSet<TKey> Keys { get; } = [];

        public Task<IDictionary<TKey, TValue>> RunAsync(CancellationToken ct)
        {
            lock (owner._sync)
            {
                if (_task is null)
                {
                    // Keys queued from now on form the next batch.
                    if (owner._pending == this)
                    {
                        owner._pending = null;
                    }
                    _task = owner._fetch([.. Keys], ct);
                }
                return _task;
            }
        }
    }

    private readonly Func<IReadOnlyList<TKey>, CancellationToken, Task<IDictionary<TKey, TValue>>> _fetch = fetch;

    private sealed class Result(Batch batch, TKey key) : IDataLoaderResult<TValue?>
    {
        public async Task<TValue?> GetResultAsync(CancellationToken cancellationToken = default) =>
            (await batch.RunAsync(cancellationToken)).TryGetValue(key, out var value) ? value : default;

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            await GetResultAsync(cancellationToken);
    }
}

internal static class DataLoaderResultExtensions
{
    /// <summary>Maps a deferred result without awaiting it, so the field stays in the batch.</summary>
    public static IDataLoaderResult<TOut> Then<TIn, TOut>(this IDataLoaderResult<TIn> result, Func<TIn, TOut> map) =>
        new Mapped<TIn, TOut>(result, map);

    private sealed class Mapped<TIn, TOut>(IDataLoaderResult<TIn> inner, Func<TIn, TOut> map) : IDataLoaderResult<TOut>
    {
        public async Task<TOut> GetResultAsync(CancellationToken cancellationToken = default) =>
            map(await inner.GetResultAsync(cancellationToken));

        async Task<object?> IDataLoaderResult.GetResultAsync(CancellationToken cancellationToken) =>
            await GetResultAsync(cancellationToken);
    }
}
