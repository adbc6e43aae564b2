using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Referral.Api.Features.Exports;
using Referral.Api.Features.Imports;
using Referral.Api.Features.Locations;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Referral.Api.Infrastructure;

/// <summary>
/// What the OpenAPI document promises beyond what ASP.NET Core infers, so generated clients are typed where it matters:
/// security schemes, error responses and headers, required fields, enums (values from <see cref="Vocabulary"/> and the
/// other lists in code, never repeated here), GeoJSON bodies and examples.
/// </summary>
internal static class OpenApiContract
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";
    public const string ProblemSchema = "ProblemDetails";
    public const string ValidationProblemSchema = "HttpValidationProblemDetails";
    public const string FeatureCollectionSchema = "GeoJsonFeatureCollection";
    public const string FeatureSchema = "GeoJsonFeature";

    /// <summary>
    /// Fields of the HSDS documents (read and written in the same shape, so nullable in C#) that every response carries.
    /// They are <c>required</c> in the document; the write endpoints still say what they need themselves.
    /// </summary>
    private static readonly Dictionary<Type, string[]> AlwaysInResponses = new()
    {
        [typeof(ServiceDocument)] = ["id", "organization_id", "name", "status", "categories", "verification_status"],
        [typeof(PhoneDocument)] = ["id", "number"],
        [typeof(LanguageDocument)] = ["id"],
        [typeof(ScheduleDocument)] = ["id"],
        [typeof(ServiceAreaDocument)] = ["id"],
        [typeof(ServiceAtLocationDocument)] = ["id", "service_id", "location_id"],
        [typeof(LocationDocument)] = ["id", "location_type", "visibility"],
        [typeof(AddressDocument)] = ["id"],
        [typeof(AccessibilityDocument)] = ["id"],
        [typeof(OrganizationDocument)] = ["id", "name"],
        [typeof(AttributeDocument)] = ["id", "taxonomy_term_id"],
    };

    /// <summary>Closed value lists by (schema, JSON property); <c>null</c> schema means every schema with that property.</summary>
    private static readonly (string? Schema, string Property, IReadOnlyCollection<string> Values)[] PropertyEnums =
    [
        (null, "categories", Vocabulary.Categories),
        (null, "category", Vocabulary.Categories),
        (null, "gender", Vocabulary.Genders),
        (null, "genders", Vocabulary.Genders),
        (null, "delivery_modes", Vocabulary.DeliveryModes),
        (null, "audience", Vocabulary.Audiences),
        (null, "platform", Vocabulary.Platforms),
        (null, "platforms", Vocabulary.Platforms),
        (null, "visibility", Vocabulary.Visibilities),
        (null, "location_type", Vocabulary.LocationTypes),
        (null, "verification_status", Freshness.Statuses),
        (nameof(ServiceDocument), "status", Vocabulary.ServiceStatuses),
        (nameof(PhoneDocument), "type", Vocabulary.PhoneTypes),
        ("FeedbackDocument", "status", Vocabulary.FeedbackStatuses),
        ("FeedbackResolution", "status", Vocabulary.FeedbackStatuses),
        ("FeedbackDocument", "reason", Vocabulary.FeedbackReasons),
        ("FeedbackInput", "reason", Vocabulary.FeedbackReasons),
        ("GapAnalysisDocument", "status", Features.Jobs.JobStatus.All),
        ("PlacementDocument", "status", Features.Jobs.JobStatus.All),
    ];

    /// <summary>Closed value lists of query and path parameters by (path prefix, name); <c>null</c> path means every path.</summary>
    private static readonly (string? Path, string Name, IReadOnlyCollection<string> Values)[] ParameterEnums =
    [
        (null, "category", Vocabulary.Categories),
        (null, "gender", Vocabulary.Genders),
        (null, "audience", Vocabulary.Audiences),
        (null, "platform", Vocabulary.Platforms),
        ("/api/nearest", "mode", Vocabulary.DeliveryModes),
        ("/api/exports/{format}", "format", ExportOptions.Names),
        ("/api/imports", "format", ImportFormats.Names),
        ("/api/services", "format", NdjsonResult.Formats),
        ("/api/organizations", "format", NdjsonResult.Formats),
        ("/api/service_at_locations", "format", NdjsonResult.Formats),
        ("/api/feedback", "status", [.. Vocabulary.FeedbackStatuses, "all"]),
        ("/ogc/", "status", Vocabulary.ServiceStatuses),
    ];

    /// <summary>Example values of query parameters, so "Try it out" and generated docs start from a real question.</summary>
    private static readonly Dictionary<string, JsonNode> ParameterExamples = new(StringComparer.Ordinal)
    {
        ["lat"] = 9.9333,
        ["lng"] = -84.0833,
        ["age"] = 13,
        ["limit"] = 3,
        ["language"] = "es",
    };

    // ---------------------------------------------------------------- schemas

    internal sealed class SchemaFilter : ISchemaFilter
    {
        public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
        {
            if (schema is not OpenApiSchema s)
            {
                return;
            }
            if (context.Type == typeof(ProblemDetails) || context.Type == typeof(HttpValidationProblemDetails))
            {
                Problem(s, context.Type == typeof(HttpValidationProblemDetails));
                return;
            }
            if (s.Properties is not { Count: > 0 } properties || context.Type is null)
            {
                return;
            }
            var members = JsonMembers(context.Type);
            AlwaysInResponses.TryGetValue(context.Type, out var always);
            foreach (var (name, property) in properties.ToList())
            {
                // The API omits nulls (JsonSetup), so no property is ever null: absent instead.
                properties[name] = NotNullable(property);
                if ((members.TryGetValue(name, out var member) && !IsNullable(member)) || (always?.Contains(name) ?? false))
                {
                    (s.Required ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
                }
                foreach (var (schemaName, propertyName, values) in PropertyEnums)
                {
                    if (propertyName == name && (schemaName is null || schemaName == context.Type.Name))
                    {
                        SetEnum(properties[name], values);
                    }
                }
            }
        }

        private static void Problem(OpenApiSchema s, bool validation)
        {
            s.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            foreach (var (name, property) in s.Properties.ToList())
            {
                s.Properties[name] = NotNullable(property);
            }
            s.Properties["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "Stable error code to switch on (VALIDATION_FAILED, NOT_FOUND, UNAUTHORIZED, FORBIDDEN, CONFLICT, "
                    + "PRECONDITION_FAILED, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE, …); the title and detail are for people.",
                Example = validation ? ErrorCodes.ValidationFailed : ErrorCodes.NotFound,
            };
            s.Properties["trace_id"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "W3C trace id of the request; quote it when reporting a problem.",
                Example = "00-679546e882c7ea2471f74df81b55c29b-c6d95e38661db93e-00",
            };
            s.Required = new HashSet<string>(StringComparer.Ordinal) { "title", "status", "code", "trace_id" };
            if (validation)
            {
                s.Required.Add("errors");
                if (s.Properties.TryGetValue("errors", out var errors) && errors is OpenApiSchema e)
                {
                    e.Description = "Messages by field: the query parameter or the JSON path of the body field (e.g. lat, phones[0].number).";
                }
            }
        }
    }

    private static IOpenApiSchema NotNullable(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema p)
        {
            return property;
        }
        if (p.Type is { } t && t.HasFlag(JsonSchemaType.Null))
        {
            p.Type = t & ~JsonSchemaType.Null;
        }
        // A nullable reference is written as { allOf: [ $ref ], nullable }: the reference alone says the same now.
        if (p.AllOf is { Count: 1 } && p.Type is null && p.Properties is not { Count: > 0 } && string.IsNullOrEmpty(p.Description))
        {
            return p.AllOf[0];
        }
        if (p.OneOf is { Count: > 0 })
        {
            p.OneOf = [.. p.OneOf.Where(o => o is not OpenApiSchema { Type: JsonSchemaType.Null })];
        }
        return p;
    }

    private static void SetEnum(IOpenApiSchema target, IReadOnlyCollection<string> values)
    {
        if (target is not OpenApiSchema s)
        {
            return;
        }
        var item = s.Type is { } t && t.HasFlag(JsonSchemaType.Array) ? s.Items as OpenApiSchema : s;
        if (item is null || item.Type is not { } it || !it.HasFlag(JsonSchemaType.String))
        {
            return;
        }
        item.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
    }

    private static Dictionary<string, MemberInfo> JsonMembers(Type type)
    {
        var result = new Dictionary<string, MemberInfo>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name);
            result[name] = p;
        }
        return result;
    }

    private static readonly NullabilityInfoContext Nullability = new();

    private static bool IsNullable(MemberInfo member)
    {
        if (member is not PropertyInfo p)
        {
            return true;
        }
        if (p.PropertyType.IsValueType)
        {
            return Nullable.GetUnderlyingType(p.PropertyType) is not null;
        }
        lock (Nullability)
        {
            return Nullability.Create(p).ReadState != NullabilityState.NotNull;
        }
    }

    // ---------------------------------------------------------------- operations

    internal sealed class OperationFilter : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var description = context.ApiDescription;
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var path = "/" + System.Text.RegularExpressions.Regex.Replace((description.RelativePath ?? "").Split('?')[0].TrimEnd('/'), @"\{([^}:]+):[^}]*\}", "{$1}");
            var method = description.HttpMethod ?? "GET";
            var document = context.Document;
            operation.Responses ??= [];

            TypedOk(operation, context);
            foreach (var (_, response) in operation.Responses)
            {
                if (response is OpenApiResponse r && r.Content is { } content)
                {
                    foreach (var (mediaType, media) in content)
                    {
                        if (mediaType.StartsWith("application/geo+json", StringComparison.Ordinal))
                        {
                            media.Schema = new OpenApiSchemaReference(path.EndsWith("{featureId}", StringComparison.Ordinal) ? FeatureSchema : FeatureCollectionSchema, document);
                        }
                        else if (mediaType is "application/zip" or "application/vnd.mapbox-vector-tile")
                        {
                            media.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
                        }
                        else if (media.Schema is null && (mediaType.StartsWith("text/", StringComparison.Ordinal) || mediaType == NdjsonResult.ContentType))
                        {
                            media.Schema = new OpenApiSchema { Type = JsonSchemaType.String };
                        }
                    }
                }
            }

            // Security: who may call it. Public reads take a key too (a larger request budget; admins see more).
            var authorized = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            var apiKey = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] };
            var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };
            operation.Security = authorized ? [apiKey, bearer] : [new OpenApiSecurityRequirement(), apiKey, bearer];

            // Errors every operation can answer with.
            Error(operation, document, "400", "Invalid request: a query parameter, path value or body field (VALIDATION_FAILED with errors by field, "
                + "MALFORMED_JSON, BAD_REQUEST).", validation: true);
            if (authorized)
            {
                Error(operation, document, "401", "No valid API key (X-Api-Key) or bearer token (UNAUTHORIZED).");
                Error(operation, document, "403", "The key's role or organization may not do this (FORBIDDEN).");
            }
            if (path.Contains('{', StringComparison.Ordinal))
            {
                Error(operation, document, "404", "No such record (NOT_FOUND).");
            }
            if (method is "POST" or "PUT" or "DELETE")
            {
                Error(operation, document, "409", "Conflicts with the directory as it is (CONFLICT, IN_USE).");
            }
            Error(operation, document, "429", "Too many requests from this client (TOO_MANY_REQUESTS); wait Retry-After seconds.", retryAfter: true);
            Error(operation, document, "503", "The database is not reachable right now, or a concurrent change aborted the request and nothing was written (SERVICE_UNAVAILABLE); retry after Retry-After seconds.", retryAfter: true);

            // Versioned records: ETag on reads, If-Match on writes.
            var versioned = path is "/api/services/{id}" or "/api/organizations/{id}";
            if (versioned && method == "GET" && operation.Responses.TryGetValue("200", out var ok) && ok is OpenApiResponse okResponse)
            {
                (okResponse.Headers ??= new Dictionary<string, IOpenApiHeader>())["ETag"] = new OpenApiHeader
                {
                    Description = "The record's version; send it back in If-Match to change the record only if nobody else did.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            }
            if (versioned && method is "PUT" or "DELETE")
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "If-Match",
                    In = ParameterLocation.Header,
                    Description = "The ETag you read: the change is made only if the record is still at that version, else 412.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    Example = "\"42\"",
                });
                Error(operation, document, "412", "If-Match does not match the record's version (PRECONDITION_FAILED); reload and try again.");
            }

            // Parameters: enums, required origins, examples.
            foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
            {
                foreach (var (prefix, name, values) in ParameterEnums)
                {
                    if (parameter.Name == name && (prefix is null || path == prefix || path.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        SetEnum(parameter.Schema!, values);
                    }
                }
                if (path is "/api/nearest" or "/api/referral" && parameter.Name is "lat" or "lng")
                {
                    parameter.Required = true;
                }
                if (path is "/api/nearest" or "/api/referral" && parameter.Example is null && ParameterExamples.TryGetValue(parameter.Name ?? "", out var example))
                {
                    parameter.Example = example.DeepClone();
                }
                if (parameter.Schema is OpenApiSchema ps && ps.Type is { } t && t.HasFlag(JsonSchemaType.Null))
                {
                    ps.Type = t & ~JsonSchemaType.Null;
                }
            }
        }

        /// <summary>
        /// A list that can also stream ndjson declares two 200 bodies; ASP.NET Core keeps one (the untyped ndjson). Put the
        /// page's schema back as <c>application/json</c>, from the handler's <c>Ok&lt;T&gt;</c>.
        /// </summary>
        private static void TypedOk(OpenApiOperation operation, OperationFilterContext context)
        {
            if (OkType(context.MethodInfo?.ReturnType) is not { } okType)
            {
                return;
            }
            if (!operation.Responses!.TryGetValue("200", out var existing) || existing is not OpenApiResponse response)
            {
                operation.Responses["200"] = response = new OpenApiResponse { Description = "OK" };
            }
            response.Content ??= new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
            if (!response.Content.TryGetValue("application/json", out var json) || json.Schema is null)
            {
                response.Content["application/json"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(okType, context.SchemaRepository) };
            }
            if (context.MethodInfo!.ReturnType.ToString().Contains(nameof(NdjsonResult), StringComparison.Ordinal))
            {
                response.Description = "A page (JSON), or with format=ndjson every match, one JSON document per line.";
                response.Content[NdjsonResult.ContentType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
        }

        private static Type? OkType(Type? type)
        {
            if (type is null)
            {
                return null;
            }
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
            {
                return OkType(type.GetGenericArguments()[0]);
            }
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Ok<>))
            {
                return type.GetGenericArguments()[0];
            }
            return type.IsGenericType && type.FullName?.StartsWith("Microsoft.AspNetCore.Http.HttpResults.Results`", StringComparison.Ordinal) == true
                ? type.GetGenericArguments().Select(OkType).FirstOrDefault(t => t is not null)
                : null;
        }

        private static void Error(OpenApiOperation operation, OpenApiDocument? document, string status, string description,
            bool validation = false, bool retryAfter = false)
        {
            var schema = new OpenApiSchemaReference(validation ? ValidationProblemSchema : ProblemSchema, document);
            if (!operation.Responses!.TryGetValue(status, out var existing) || existing is not OpenApiResponse response)
            {
                operation.Responses[status] = response = new OpenApiResponse();
            }
            response.Description = description;
            response.Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["application/problem+json"] = new() { Schema = schema },
            };
            if (retryAfter)
            {
                (response.Headers ??= new Dictionary<string, IOpenApiHeader>())["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                };
            }
        }
    }

    // ---------------------------------------------------------------- document

    internal sealed class DocumentFilter : IDocumentFilter
    {
        public void Apply(OpenApiDocument document, DocumentFilterContext context)
        {
            document.Servers = [new OpenApiServer { Url = "/", Description = "This server" }];
            document.Components ??= new OpenApiComponents();
            var schemes = document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            schemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Api-Key",
                Description = "An API key (`keys create`, see the README's Access section). Writes need an editor or admin key; "
                    + "public reads work without one, with a smaller request budget.",
            };
            schemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT from the configured identity provider (Authentication:Jwt), with a role claim.",
            };
            var schemas = document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
            // Every problem schema exists even when no endpoint names it by type.
            foreach (var (name, type) in new[] { (ProblemSchema, typeof(ProblemDetails)), (ValidationProblemSchema, typeof(HttpValidationProblemDetails)) })
            {
                if (!schemas.ContainsKey(name))
                {
                    context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository);
                }
            }
            schemas[FeatureSchema] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A GeoJSON (RFC 7946) Feature.",
                Required = new HashSet<string>(StringComparer.Ordinal) { "type", "geometry", "properties" },
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("Feature")] },
                    ["id"] = new OpenApiSchema { Description = "The feature's id (a string or a number)." },
                    ["geometry"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object | JsonSchemaType.Null,
                        Description = "A GeoJSON geometry (Point, Polygon, …); null for features without a place.",
                        AdditionalPropertiesAllowed = true,
                    },
                    ["properties"] = new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalPropertiesAllowed = true },
                },
            };
            schemas[FeatureCollectionSchema] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A GeoJSON (RFC 7946) FeatureCollection.",
                Required = new HashSet<string>(StringComparer.Ordinal) { "type", "features" },
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("FeatureCollection")] },
                    ["features"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference(FeatureSchema, document) },
                },
            };
        }
    }
}
