using GraphQL;
using GraphQL.Execution;
using GraphQL.Transport;
using GraphQL.Validation;
using Microsoft.Net.Http.Headers;
using Referral.Api.Infrastructure;

namespace Referral.Api.GraphQL;

/// <summary>
/// Our own thin GraphQL-over-HTTP endpoint (GraphQL.Server is not on our feed): POST with an application/json body, or
/// GET for queries only. Status codes follow the 2025 GraphQL-over-HTTP draft as GraphQL.Server 8 implements it:
/// 200 when the document was executed (field errors included), 400 for request and document errors, 405 for a mutation
/// over GET, 413/415 for bodies we will not read, 503 on timeout. Clients that accept only <c>application/json</c> get
/// that media type and 200 for every well-formed request (the spec's legacy mode).
/// </summary>
internal static class GraphQLEndpoint
{
    public const string Route = "/graphql";

    /// <summary>Queries are small; large service-area polygons belong to the REST write API (4 MiB).</summary>
    public const long BodyLimit = 256 * 1024;

    private const string ResponseMediaType = "application/graphql-response+json";
    private static readonly IValidationRule[] GetRules = [.. DocumentValidator.CoreRules, QueryOnlyOverGetRule.Instance];

    internal static async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var serializer = http.RequestServices.GetRequiredService<IGraphQLTextSerializer>();
        var isGet = HttpMethods.IsGet(request.Method);
        var accept = request.GetTypedHeaders().Accept;
        var legacy = accept is { Count: > 0 } &&
            !accept.Any(a => a.MatchesAllTypes || a.MediaType.Equals(ResponseMediaType, StringComparison.OrdinalIgnoreCase));
        http.Response.Headers.Vary = "Accept";
        http.Response.ContentType = (legacy ? "application/json" : ResponseMediaType) + "; charset=utf-8";

        if (isGet && !request.Query.ContainsKey("query") && accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase)))
        {
            // A person who opens /graphql in a browser wants the IDE.
            http.Response.ContentType = null;
            http.Response.Redirect(request.PathBase + GraphiQLEndpoints.Route + "/");
            return;
        }

        var (graphQLRequest, failure) = isGet ? ReadQueryString(request, serializer) : await ReadBodyAsync(request, serializer, http.RequestAborted);
        if (failure is not null)
        {
            await WriteAsync(http, serializer, failure.Value.Status, new ExecutionResult(GraphQLErrors.Of(failure.Value.Code, failure.Value.Message)));
            return;
        }

        var result = await http.RequestServices.GetRequiredService<IDocumentExecuter<ReferralSchema>>().ExecuteAsync(new ExecutionOptions
        {
            Query = graphQLRequest?.Query,
            OperationName = graphQLRequest?.OperationName,
            Variables = graphQLRequest?.Variables,
            Extensions = graphQLRequest?.Extensions,
            RequestServices = http.RequestServices, // required by IDocumentExecuter<TSchema>; ctx.RequestServices in resolvers
            User = http.User,
            CancellationToken = http.RequestAborted,
            ValidationRules = isGet ? GetRules : null, // null = the core rules; rules added on the builder are appended
        });

        var status = StatusFor(result, legacy);
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            http.Response.Headers.Allow = "POST";
        }
        await WriteAsync(http, serializer, status, result);
    }

    /// <summary>
    /// Whether the operation the request runs is a query (Data/ReadRouting.cs sends those to the standby); false for
    /// mutations and anything that does not parse.
    /// </summary>
    internal static bool IsQuery(string? query, string? operationName)
    {
        if (string.IsNullOrEmpty(query))
        {
            return false;
        }
        try
        {
            var operations = GraphQLParser.Parser.Parse(query).Definitions.OfType<GraphQLParser.AST.GraphQLOperationDefinition>().ToList();
            var chosen = operationName is { Length: > 0 } ? operations.FirstOrDefault(o => o.Name?.StringValue == operationName) : operations.SingleOrDefault();
            return chosen is { Operation: GraphQLParser.AST.OperationType.Query };
        }
        catch (GraphQLParser.Exceptions.GraphQLSyntaxErrorException)
        {
            return false;
        }
    }

    private static int StatusFor(ExecutionResult result, bool legacy)
    {
        var errors = result.Errors ?? [];
        if (result.Executed)
        {
            return StatusCodes.Status200OK;
        }
        if (errors.Any(e => e is MethodNotAllowedError))
        {
            return StatusCodes.Status405MethodNotAllowed;
        }
        if (errors.Any(e => e is TimeoutError))
        {
            return StatusCodes.Status503ServiceUnavailable;
        }
        if (errors.Any(e => e is UnhandledError))
        {
            return StatusCodes.Status500InternalServerError;
        }
        return legacy ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
    }

    private readonly record struct Failure(int Status, string Code, string Message);

    private static (GraphQLRequest? Request, Failure? Failure) ReadQueryString(HttpRequest request, IGraphQLTextSerializer serializer)
    {
        try
        {
            return (new GraphQLRequest
            {
                Query = request.Query["query"],
                OperationName = request.Query["operationName"],
                Variables = serializer.Deserialize<Inputs>(request.Query["variables"]),
                Extensions = serializer.Deserialize<Inputs>(request.Query["extensions"]),
            }, null);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException)
        {
            return (null, new Failure(400, ErrorCodes.MalformedJson, "The 'variables' or 'extensions' parameter is not a JSON object."));
        }
    }

    private static async Task<(GraphQLRequest? Request, Failure? Failure)> ReadBodyAsync(
        HttpRequest request, IGraphQLTextSerializer serializer, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ||
            !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            // Only JSON bodies: a browser cannot send one cross-site without a CORS preflight (CSRF protection).
            return (null, new Failure(415, ErrorCodes.UnsupportedMediaType, "Send the request as application/json: {\"query\": \"…\", \"variables\": {…}}."));
        }
        var tooLarge = new Failure(413, ErrorCodes.PayloadTooLarge, $"The body is larger than {BodyLimit / 1024} KiB.");
        if (request.ContentLength > BodyLimit)
        {
            return (null, tooLarge);
        }
        using var buffer = new MemoryStream();
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > BodyLimit)
                {
                    return (null, tooLarge);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex)
        {
            return (null, ex.StatusCode == 413 ? tooLarge : new Failure(ex.StatusCode, ErrorCodes.ForStatus(ex.StatusCode), "The request body could not be read."));
        }
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var start = body.Span.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0)
        {
            return (null, new Failure(400, ErrorCodes.MalformedJson, "The request body is empty."));
        }
        if (body.Span[start] == (byte)'[')
        {
            // Apollo-style batches multiply every per-operation limit; they are not part of GraphQL-over-HTTP.
            return (null, new Failure(400, ErrorCodes.BadRequest, "Batched requests (JSON arrays) are not supported; send one operation per request."));
        }
        try
        {
            buffer.Position = 0;
            var parsed = await serializer.ReadAsync<GraphQLRequest>(buffer, ct);
            return (parsed, null);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return (null, new Failure(400, ErrorCodes.MalformedJson, "The body is not a GraphQL request: a JSON object with \"query\" and optional \"variables\", \"operationName\"."));
        }
    }

    private static Task WriteAsync(HttpContext http, IGraphQLTextSerializer serializer, int status, ExecutionResult result)
    {
        http.Response.StatusCode = status;
        return serializer.WriteAsync(http.Response.Body, result, http.RequestAborted);
    }
}
