using Referral.Api;
using Referral.Api.Data;
using Referral.Api.Features;
using Referral.Api.Features.Audit;
using Referral.Api.Features.Discovery;
using Referral.Api.Features.Exports;
using Referral.Api.Features.Feedback;
using Referral.Api.Features.Gaps;
using Referral.Api.Features.Imports;
using Referral.Api.Features.Ogc;
using Referral.Api.Features.Organizations;
using Referral.Api.Features.Placements;
using Referral.Api.Features.Places;
using Referral.Api.Features.Referrals;
using Referral.Api.Features.Regions;
using Referral.Api.Features.ServiceAtLocations;
using Referral.Api.Features.Services;
using Referral.Api.Features.Taxonomy;
using Referral.Api.Features.Tiles;
using Referral.Api.Features.WebApp;
using Referral.Api.GraphQL;
using Referral.Api.Infrastructure;

// A verb (import, export, keys, gaps, …; `help` lists them) runs and exits: it never starts the server, and only
// `migrate` and `seed` migrate. No verb, or `serve`, starts the server (Cli.IsServer).
if (!Cli.IsServer(args, out var serverArgs))
{
    return await Cli.RunAsync(args, () => Build([], cli: true).Services);
}

var app = Build(serverArgs, cli: false);
app.UseReferralForwardedHeaders();
app.UseReferralSecurityHeaders();
app.UseResponseCompression();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseReferralRequestLogging();
app.UseReferralResponseLanguage();
app.UseReferralQueryStringGuard();
app.UseMiddleware<Referral.Api.Data.ReadRoutingMiddleware>();
app.UseCors();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
// Unknown query parameters on /api are a 400 naming them, not silently ignored (issue 16).
app.UseReferralKnownQueryParameters();
app.UseReferralOpenApi();

app.MapDiscovery();
app.MapServices();
app.MapServiceAtLocations();
app.MapReferrals();
app.MapPlaces();
app.MapRegions();
app.MapOrganizations();
app.MapTaxonomies();
app.MapGaps();
app.MapGapGrid();
app.MapPlacements();
app.MapReferralGraphQL();
app.MapAudit();
app.MapFeedback();
app.MapImports();
app.MapExports();
app.MapOgc();
app.MapTiles();
app.MapReferralHealth();
app.MapReferralMetrics();
app.MapWebApp();

await app.Services.InitializeDatabaseAsync();
await app.RunAsync();
return 0;

static WebApplication Build(string[] args, bool cli)
{
    var builder = WebApplication.CreateBuilder(args);

    builder.Services.AddReferralData(builder.Configuration);
    builder.Services.AddReferralJson();
    builder.Services.AddReferralProblemDetails();
    builder.Services.AddReferralOpenApi();
    builder.Services.AddReferralCors();
    builder.Services.AddReferralCompression();
    builder.Services.AddReferralPublicUrls(builder.Configuration);
    builder.Services.AddReferralAuthorization(builder.Configuration);
    builder.Services.AddReferralHealth();
    builder.Services.AddReferralRateLimits(builder.Configuration);
    builder.Logging.AddReferralLogFilters();
    if (cli)
    {
        builder.Logging.AddCliLogging();
    }
    builder.Services.AddReferralGraphQL(builder.Configuration);
    builder.Services.AddReferralFeatures();
    builder.AddReferralTelemetry();
    return builder.Build();
}
