using Microsoft.OpenApi;

namespace Referral.Api.Infrastructure;

internal static class OpenApiSetup
{
    public static IServiceCollection AddReferralOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Referral API",
                Version = "v1",
                Description = "Support services for children facing sexual exploitation and abuse. HSDS 3.1 shaped REST; "
                    + "errors are RFC 9457 ProblemDetails with a stable `code`. Schemas derived from HSDS 3.1: "
                    + "an Open Referral resource (https://openreferral.org/), CC BY-SA 4.0.",
                License = new OpenApiLicense
                {
                    Name = "Code: see repository licence; HSDS-derived schemas: CC BY-SA 4.0",
                    Url = new Uri("https://creativecommons.org/licenses/by-sa/4.0/"),
                },
            });
            o.SupportNonNullableReferenceTypes();
            o.CustomSchemaIds(SchemaId);
            o.SchemaFilter<OpenApiContract.SchemaFilter>();
            o.OperationFilter<OpenApiContract.OperationFilter>();
            o.DocumentFilter<OpenApiContract.DocumentFilter>();
        });
        return services;
    }

    // Page<ServiceDocument> → ServiceDocumentPage: readable and unique.
    private static string SchemaId(Type type) => type.IsGenericType
        ? string.Concat(type.GetGenericArguments().Select(SchemaId)) + type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]
        : type.Name;

    public static WebApplication UseReferralOpenApi(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/swagger/v1/swagger.json", "Referral API v1");
            o.DocumentTitle = "Referral API";
        });
        return app;
    }
}
