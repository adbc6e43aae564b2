using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;
using Referral.Api.Features.Access;
using Referral.Api.Infrastructure;

namespace Referral.Api.Features.Exports;

internal sealed record ExportQuery(
    [property: Description("Admins only: every location exactly as it is, hidden ones included (the response says so in its Referral-Locations header). Default: as the public sees them.")][FromQuery(Name = "exact")] bool? Exact = null,
    [property: Description("hsds and hsds-csv: add HSDS metadata (each service's last change, from the audit log).")][FromQuery(Name = "metadata")] bool? Metadata = null);

internal static class ExportEndpoints
{
    /// <summary>Says whether the locations in the response are exact or as the public sees them.</summary>
    public const string LocationsHeader = "Referral-Locations";

    public static IEndpointRouteBuilder MapExports(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/exports/{format}", Export).WithName("ExportDirectory").WithTags("Exports")
            .WithSummary("The whole directory as HSDS 3.1 JSON (ndjson), the HSDS CSV data package (zip), GeoJSON or CSV")
            .WithDescription("""
                format: hsds (one HSDS service document per line), hsds-csv (zip of the HSDS tables), geojson (one Point feature per
                service at a location), csv (one row per service at a location; imports back unchanged). Locations are shown as the public
                sees them (hidden ones left out, approximate ones generalised) unless an admin asks for exact=true.
                """)
            .RequireCors(Cors.PublicRead)
            .Produces<string>(200, "application/x-ndjson", "application/zip", "application/geo+json", "text/csv")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        return app;
    }

    internal static IResult Export(string format, [AsParameters] ExportQuery query, ActorContext actor, ExportQueries queries)
    {
        if (!ExportOptions.ByName.TryGetValue(format, out var kind))
        {
            return Problems.Of(404, ErrorCodes.NotFound, "Not found", $"No export format '{FieldErrors.Clip(format)}'; one of: hsds, hsds-csv, geojson, csv.");
        }
        if (query.Exact == true && !actor.Current.IsAdmin)
        {
            return actor.Current.Role is null
                ? Problems.Of(401, ErrorCodes.Unauthorized, "Unauthorized", "exact=true needs an admin API key.")
                : Problems.Of(403, ErrorCodes.Forbidden, "Forbidden", "Only admins may export exact locations.");
        }
        var options = new ExportOptions(kind, query.Exact == true, query.Metadata == true);
        return new ExportResult(options, queries);
    }

    /// <summary>Streams the export into the response as it is read from the database.</summary>
    private sealed class ExportResult(ExportOptions options, ExportQueries queries) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var (contentType, extension) = options.Media;
            http.Response.ContentType = contentType;
            http.Response.Headers[LocationsHeader] = options.Locations;
            http.Response.Headers.ContentDisposition =
                $"attachment; filename=\"referral-services{(options.Exact ? "-exact" : "")}.{extension}\"";
            await ExportWriter.WriteAsync(http.Response.Body, options, queries, http.RequestAborted);
        }
    }
}
