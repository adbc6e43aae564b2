using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Referral.Api.Tests.GraphQL;

/// <summary>POSTs GraphQL requests to /graphql and reads the spec's <c>data</c>/<c>errors</c> response.</summary>
public static class GraphQLTestClient
{
    public static async Task<GraphQLResponse> PostGraphQLAsync(this HttpClient client, string query, object? variables = null)
    {
        var body = new JsonObject { ["query"] = query };
        if (variables is not null)
        {
            body["variables"] = JsonSerializer.SerializeToNode(variables);
        }
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        return await GraphQLResponse.ReadAsync(await client.PostAsync("/graphql", content));
    }

    public static async Task<GraphQLResponse> PostRawAsync(this HttpClient client, string body, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }
        return await GraphQLResponse.ReadAsync(await client.SendAsync(request));
    }

    public static async Task<GraphQLResponse> GetGraphQLAsync(this HttpClient client, string query, string? variables = null)
    {
        var url = "/graphql?query=" + Uri.EscapeDataString(query) + (variables is null ? "" : "&variables=" + Uri.EscapeDataString(variables));
        return await GraphQLResponse.ReadAsync(await client.GetAsync(url));
    }
}

public sealed record GraphQLResponse(HttpResponseMessage Http, string Text, JsonElement Body)
{
    public static async Task<GraphQLResponse> ReadAsync(HttpResponseMessage http)
    {
        var text = await http.Content.ReadAsStringAsync();
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"/graphql answered {(int)http.StatusCode} with a body that is not JSON: {text}");
        }
        return new GraphQLResponse(http, text, body);
    }

    public JsonElement Data => Body.TryGetProperty("data", out var data) ? data : default;

    public JsonElement[] Errors => Body.TryGetProperty("errors", out var errors) ? [.. errors.EnumerateArray()] : [];

    /// <summary>The data of a response that must have no errors.</summary>
    public JsonElement AssertData()
    {
        Assert.True(Errors.Length == 0, $"Expected no errors, got {(int)Http.StatusCode}: {Text}");
        Assert.True(Http.IsSuccessStatusCode, Text);
        return Data;
    }

    /// <summary>The single error of a response, checked to have this <c>extensions.code</c>.</summary>
    public JsonElement AssertError(string code)
    {
        Assert.True(Errors.Length == 1, $"Expected one error with code {code}, got: {Text}");
        Assert.Equal(code, Errors[0].GetProperty("extensions").GetProperty("code").GetString());
        return Errors[0];
    }
}
