using System.Net;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

/// <summary>
/// Positions against the declared country's outline (the seed's Natural Earth 1:50m outlines, coarse on coasts): within
/// the tolerance (default 5 km) a point outside is accepted with a warning, beyond it rejected. Distances to the Costa Rica
/// outline, measured with PostGIS: Puntarenas harbour 0.9 km (in the sea), a point 4.7 km into Nicaragua near Peñas Blancas,
/// another 6.7 km into Nicaragua.
/// </summary>
public sealed class PositionCheckTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Header = "id,name,category,latitude,longitude,city,country";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    [Fact]
    public async Task Import_HarbourPoliceStationOnTheCoast_IsAcceptedWithANearBorderWarning()
    {
        var csv = Header + "\nH1,Delegación policial del puerto,police,9.9763,-84.8384,Puntarenas,CR\n";

        var result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=coast");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(1, result.Count("services.created"));
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("near_border", warning.GetProperty("code").GetString());
        Assert.Contains("0.9 km outside the outline of CR", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("lies in", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_PointsAcrossALandBorder_WarnNearItAndRejectFartherOut()
    {
        var csv = Header
            + "\nB1,Puesto fronterizo,police,11.228,-85.615,La Cruz,CR"
            + "\nB2,Demasiado al norte,police,11.245,-85.62,La Cruz,CR"
            + "\nB3,Inside,police,10.63,-85.44,Liberia,CR\n";

        var result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=border&valid_only=true");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(["near_border"], result.CodesAt(2, "warnings"));
        Assert.Contains("it lies in NI", Assert.Single(result.Warnings).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["outside_country"], result.CodesAt(3));
        Assert.Contains("6.7 km outside CR", Assert.Single(result.Rejected).GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.CodesAt(4, "warnings"));
    }

    [Fact]
    public async Task Import_SmallerTolerance_RejectsTheCoastalPoint()
    {
        var csv = Header + "\nH1,Delegación policial del puerto,police,9.9763,-84.8384,Puntarenas,CR\n";

        var result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=strict&border_tolerance_km=0.5&dry_run=true");

        Assert.Equal(["outside_country"], result.CodesAt(2));
    }

    [Fact]
    public async Task Import_CountryWithoutOutline_IsNotCheckedAndSaysSo()
    {
        // The seed has every country's outline but Antarctica's (a ring round the pole).
        var csv = "name,category,latitude,longitude,city\nMcMurdo office,police,-77.846,166.676,McMurdo\n";

        var result = await ImportApi.PostAsync(Client, csv, "text/csv", "source=abroad&country=AQ&dry_run=true");

        Assert.Equal(0, result.Count("rejected"));
        Assert.Contains(result.Report.GetProperty("notes").EnumerateArray(), n => n.GetString() == "no outline for country AQ in the regions: positions there were not checked against it.");
    }
}
