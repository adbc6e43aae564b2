using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using NetTopologySuite.IO.Converters;

namespace Referral.Api.Infrastructure;

internal static class JsonSetup
{
    /// <summary>snake_case, nulls omitted (HSDS forbids null), GeoJSON for real geometries.</summary>
    public static void Apply(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        o.MaxDepth = 32;
        o.Converters.Add(new GeoJsonConverterFactory());
    }

    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Apply(o);
        return o;
    }

    public static IServiceCollection AddReferralJson(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => Apply(o.SerializerOptions));
        // Swashbuckle reads MVC's JsonOptions for minimal APIs too (Swashbuckle#3097).
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(o => Apply(o.JsonSerializerOptions));
        return services;
    }
}
