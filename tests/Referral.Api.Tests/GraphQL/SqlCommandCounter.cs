using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Referral.Api.Tests.GraphQL;

/// <summary>
/// Counts the SQL commands EF Core sends to one database, through EF's DiagnosticListener (in-process, so it sees the
/// commands of the test server's requests without changing the app's registrations). Only commands sent while a request
/// is being handled count (the app's <see cref="IHttpContextAccessor"/> flows with the request): the host's background
/// services — the card preloader, the index loaders — query the same database at moments no test controls.
/// </summary>
public sealed class SqlCommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private static readonly HttpContextAccessor Requests = new();
    private readonly string _database;
    private readonly IDisposable _allListeners;
    private readonly ConcurrentBag<IDisposable> _subscriptions = [];
    private readonly ConcurrentQueue<string> _commands = new();
    private volatile bool _recording;

    public SqlCommandCounter(string database)
    {
        _database = database;
        _allListeners = DiagnosticListener.AllListeners.Subscribe(this);
    }

    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Runs <paramref name="action"/> and returns the SQL commands it caused.</summary>
    public async Task<IReadOnlyList<string>> RecordAsync(Func<Task> action)
    {
        _commands.Clear();
        _recording = true;
        try
        {
            await action();
        }
        finally
        {
            _recording = false;
        }
        return Commands;
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            _subscriptions.Add(value.Subscribe(this));
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (_recording && value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data &&
            data.Command.Connection?.Database == _database && Requests.HttpContext is not null)
        {
            _commands.Enqueue(data.Command.CommandText);
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _allListeners.Dispose();
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }
}
