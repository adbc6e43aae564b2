using Npgsql;
using NpgsqlTypes;

namespace Referral.Api.Data;

/// <summary>
/// Where the database is: the primary (<c>ConnectionStrings:Referral</c>, every write) and, when configured, where reads
/// go (<c>ConnectionStrings:ReferralRead</c>: one standby, or several hosts with Npgsql's <c>Target Session Attributes=
/// prefer-standby</c> and <c>Load Balance Hosts=true</c>, the primary listed last so reads fall back to it when no
/// standby answers).
/// </summary>
internal sealed class DatabaseTopology(string primary, string? read)
{
    public string Primary { get; } = primary;

    public string? Read { get; } = read;

    public bool HasReplica => Read is not null;
}

/// <summary>
/// Whether this scope's <see cref="ReferralDbContext"/> reads from the standby. Decided once per request before the
/// context is made (<see cref="ReadRoutingMiddleware"/>: GET and HEAD, and GraphQL queries over POST);
/// everything else — writes, imports, jobs, the CLI — uses the primary.
/// </summary>
internal sealed class DbRoute(DatabaseTopology topology)
{
    /// <summary>The cookie (and request header <see cref="LsnHeader"/>) that carries the client's last write position.</summary>
    public const string LsnCookie = "referral_lsn";

    /// <summary>Response header with the primary's WAL position after a write; send it back as a request header (or
    /// keep the cookie) and reads wait for a standby that has replayed it — or go to the primary.</summary>
    public const string LsnHeader = "Referral-Lsn";

    /// <summary>How long the cookie lasts: reads after that go to the standby without a check.</summary>
    public static readonly TimeSpan LsnLifetime = TimeSpan.FromMinutes(1);

    public bool UseReplica { get; private set; }

    private string? _owner;

    public string ConnectionString => _owner ?? (UseReplica && topology.Read is { } read ? read : topology.Primary);

    /// <summary>
    /// Sends this scope's contexts to the primary as another role: the schema owner, for migrations and the seed (README,
    /// "Database roles"). Call it before the scope's context is made, so that its options come from
    /// <see cref="ReferralDbOptions"/> with the NetTopologySuite mapping: a context whose connection string is swapped
    /// afterwards (<c>SetConnectionString</c>) connects without it, and writing a geometry (the seed's regions) then fails.
    /// </summary>
    public void UseOwner(string connectionString)
    {
        _owner = connectionString;
        UseReplica = false;
    }

    /// <summary>
    /// Routes this scope's reads to the standby unless the client wrote something the standby has not replayed yet
    /// (read-your-writes): the client's last write position (cookie or header) is compared with the standby's
    /// <c>pg_last_wal_replay_lsn()</c>; a standby behind it, or unreachable, leaves the reads on the primary.
    /// </summary>
    public async Task<bool> TryUseReplicaAsync(HttpContext http)
    {
        if (topology.Read is not { } read)
        {
            return false;
        }
        var given = http.Request.Headers[LsnHeader].FirstOrDefault() ?? http.Request.Cookies[LsnCookie];
        if (given is null || !NpgsqlLogSequenceNumber.TryParse(given, out var wanted))
        {
            return UseReplica = true;
        }
        try
        {
            await using var connection = new NpgsqlConnection(read);
            await connection.OpenAsync(http.RequestAborted);
            await using var cmd = new NpgsqlCommand("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()", connection);
            await using var reader = await cmd.ExecuteReaderAsync(http.RequestAborted);
            await reader.ReadAsync(http.RequestAborted);
            // Not in recovery: the read hosts fell back to the primary itself, which has every write.
            UseReplica = !reader.GetBoolean(0) || (!reader.IsDBNull(1) && reader.GetFieldValue<NpgsqlLogSequenceNumber>(1) >= wanted);
        }
        catch (NpgsqlException)
        {
            UseReplica = false;
        }
        return UseReplica;
    }
}

/// <summary>
/// GET and HEAD read from the standby (when one is configured and the client's writes have reached it); after a
/// successful write the answer carries the primary's WAL position (header <see cref="DbRoute.LsnHeader"/> and cookie
/// <see cref="DbRoute.LsnCookie"/>) so that the same client's next reads see it, from whichever instance answers.
/// </summary>
internal sealed class ReadRoutingMiddleware(RequestDelegate next, DatabaseTopology topology)
{
    public async Task InvokeAsync(HttpContext http, DbRoute route)
    {
        if (!topology.HasReplica)
        {
            await next(http);
            return;
        }
        var method = http.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || await IsGraphQLQueryAsync(http))
        {
            await route.TryUseReplicaAsync(http);
        }
        else if (!HttpMethods.IsOptions(method))
        {
            http.Response.OnStarting(() => RememberWriteAsync(http));
        }
        await next(http);
    }

    /// <summary>
    /// A GraphQL query (not a mutation) over POST: decided before anything opens the database (the key check does),
    /// from the buffered body, which the endpoint then reads again. Anything unusual stays on the primary.
    /// </summary>
    private static async Task<bool> IsGraphQLQueryAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.Equals(GraphQL.GraphQLEndpoint.Route, StringComparison.OrdinalIgnoreCase)
            || request.ContentLength is not (> 0 and <= GraphQL.GraphQLEndpoint.BodyLimit)
            || request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return false;
        }
        request.EnableBuffering();
        try
        {
            using var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body, cancellationToken: http.RequestAborted);
            var root = body.RootElement;
            return root.ValueKind == System.Text.Json.JsonValueKind.Object
                && root.TryGetProperty("query", out var query) && query.ValueKind == System.Text.Json.JsonValueKind.String
                && GraphQL.GraphQLEndpoint.IsQuery(query.GetString(),
                    root.TryGetProperty("operationName", out var name) && name.ValueKind == System.Text.Json.JsonValueKind.String ? name.GetString() : null);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or BadHttpRequestException or IOException)
        {
            return false;
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    private async Task RememberWriteAsync(HttpContext http)
    {
        if (http.Response.StatusCode >= 400)
        {
            return;
        }
        try
        {
            await using var connection = new NpgsqlConnection(topology.Primary);
            await connection.OpenAsync(http.RequestAborted);
            await using var cmd = new NpgsqlCommand("SELECT pg_current_wal_lsn()", connection);
            var lsn = ((NpgsqlLogSequenceNumber)(await cmd.ExecuteScalarAsync(http.RequestAborted))!).ToString();
            http.Response.Headers[DbRoute.LsnHeader] = lsn;
            http.Response.Cookies.Append(DbRoute.LsnCookie, lsn, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = http.Request.IsHttps,
                MaxAge = DbRoute.LsnLifetime,
                Path = "/",
            });
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The write is done; without the position the client's next read may briefly miss it on a standby.
        }
    }
}
