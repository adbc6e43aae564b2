using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Referral.Api.Tests.Infrastructure;

namespace Referral.Api.Tests.Features.Imports;

/// <summary>Facility lists as real countries publish them: partial addresses, helplines without a site, unnamed posts, phone cells.</summary>
public sealed class RealDirectoryImportTests(ReferralApiFactory factory) : DatabaseTest(factory)
{
    private const string Csv = "text/csv";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await ImportApi.AddCountriesAsync(Factory);
    }

    [Fact]
    public async Task Import_AddressWithoutCity_KeepsThePartialAddress_AndTheFacility()
    {
        var csv = "id,name,category,lat,lon,address,county,country\n"
            + "K1,Posta de Santa Ana,police,9.9326,-84.1826,Santa Ana county,,CR\n"
            + "K2,Posta de Escazú,police,9.9189,-84.1397,,San José,CR\n";

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=county-list&organization=Ministerio");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(0, result.Count("rejected"));
        var addresses = await Factory.WithDbAsync(db => db.Services.Include(s => s.ServiceAtLocations).ThenInclude(x => x.Location!).ThenInclude(l => l.Addresses)
            .OrderBy(s => s.SourceId).Select(s => s.ServiceAtLocations.Single().Location!.Addresses.Single()).ToListAsync());
        Assert.Equal(("Santa Ana county", "", "CR"), (addresses[0].Address1, addresses[0].City, addresses[0].Country));
        Assert.Equal(("San José", "", "CR"), (addresses[1].Region, addresses[1].City, addresses[1].Country));
    }

    [Fact]
    public async Task Import_NoCoordinatesNoAddress_IsRejectedMissingCoordinates_UnlessAreaServed()
    {
        var csv = "id,name,category,lat,lon,phone,country\n"
            + "N1,Comisaría sin sitio,police,,,2222 3333,CR\n"
            + "N2,Línea de ayuda,helpline,,,1147,CR\n"
            + "N3,Reporte en línea,online_reporting,,,,\n"
            + "N4,Comisaría Central,police,9.9333,-84.0833,2222 3334,CR\n";

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=no-sites&dry_run=true");

        Assert.Equal(HttpStatusCode.OK, result.Status);
        Assert.Equal(["missing_coordinates"], result.CodesAt(2));
        Assert.Empty(result.CodesAt(3));
        Assert.Equal(["missing_coordinates"], result.CodesAt(4));
        Assert.Empty(result.CodesAt(5));
        Assert.Equal(2, result.Count("rejected"));
    }

    [Fact]
    public async Task Import_HelplineWithoutCoordinates_ServesItsCountry_AndAServiceAreaColumnIsRead()
    {
        var csv = "id,name,category,phone,country,service_area\n"
            + "H1,Línea 1147,helpline,1147,CR,\n"
            + "H2,Línea San José,helpline,2222 0000,CR,CR-SJ;CR-A\n";

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=helplines&organization=PANI");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(2, result.Count("services.created"));
        Assert.Equal(["area_from_country"], result.CodesAt(2, "warnings"));
        Assert.Empty(result.CodesAt(3, "warnings"));
        var areas = await Factory.WithDbAsync(db => db.Services.Include(s => s.ServiceAreas).OrderBy(s => s.SourceId)
            .Select(s => string.Join(",", s.ServiceAreas.SelectMany(a => a.RegionCodes))).ToListAsync());
        Assert.Equal(["CR", "CR-SJ,CR-A"], areas);
        var near = await Public.GetFromJsonAsync<JsonElement>("/api/nearest?lat=10.3&lng=-84.4&category=helpline");
        Assert.Contains(near.GetProperty("remote").EnumerateArray(), r => r.GetProperty("service").GetProperty("name").GetString() == "Línea 1147");
    }

    [Theory]
    [InlineData("en", "Police post (unnamed), Liberia", "Social services office (unnamed)")]
    [InlineData("es", "Puesto policial (sin nombre), Liberia", "Oficina de servicios sociales (sin nombre)")]
    [InlineData("pt-BR,pt;q=0.9", "Posto policial (sem nome), Liberia", "Serviço social (sem nome)")]
    [InlineData("fr", "Poste de police (sans nom), Liberia", "Bureau des services sociaux (sans nom)")]
    public async Task Import_UnnamedRows_AreNamedAsUnnamedInTheRequestLanguage_NeverAsACategoryLabel(string language, string police, string social)
    {
        var csv = "id,name,category,lat,lon,city,country\n"
            + "U1,,police,10.6346,-85.4407,Liberia,CR\n"
            + "U2,,social_services,10.63,-85.44,,CR\n";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/imports?source=unnamed&organization=Ministerio") { Content = new StringContent(csv) };
        request.Content.Headers.ContentType = new("text/csv");
        request.Headers.TryAddWithoutValidation("Accept-Language", language);

        using var response = await Client.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var names = await Factory.WithDbAsync(db => db.Services.OrderBy(s => s.SourceId).Select(s => s.Name).ToListAsync());
        Assert.Equal([police, social], names);
        Assert.DoesNotContain(names, n => n.Contains("pecialised", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_WithoutOrganization_IsNotNamedAfterTheFile_AndTheReportSaysSo()
    {
        var csv = "id,name,category,lat,lon,country\nO1,Comisaría Central,police,9.9333,-84.0833,CR\n";

        var anonymous = await ImportApi.PostAsync(Client, csv, Csv, "source=policia.csv");
        var named = await ImportApi.PostAsync(Client, csv.Replace("O1", "O2", StringComparison.Ordinal), Csv, "source=other.csv&organization=Ministerio%20de%20Seguridad");

        Assert.True(anonymous.Status == HttpStatusCode.OK, anonymous.Body.ToString());
        Assert.Contains(anonymous.Report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("no organization given", StringComparison.Ordinal));
        Assert.True(named.Status == HttpStatusCode.OK, named.Body.ToString());
        var organizations = await Factory.WithDbAsync(db => db.Organizations.OrderBy(o => o.Name).Select(o => o.Name).ToListAsync());
        Assert.Equal(["Ministerio de Seguridad", "Organization not given"], organizations);
    }

    [Fact]
    public async Task Import_SeveralPhonesInOneCell_AreSplit_AndStoredInE164ByTheRowCountry()
    {
        var csv = "id,name,category,lat,lon,phone,country\n"
            + "T1,Comisaría Central,police,9.9333,-84.0833,22223333 / 88887777,CR\n"
            + "T2,Línea de ayuda,helpline,9.94,-84.07,116 | +264 61 226 889,CR\n"
            + "T3,Oficina,legal_aid,9.95,-84.06,12345678901234567,CR\n";

        var result = await ImportApi.PostAsync(Client, csv, Csv, "source=phones&organization=Ministerio");

        Assert.True(result.Status == HttpStatusCode.OK, result.Body.ToString());
        Assert.Equal(3, result.Count("services.created"));
        var phones = await Factory.WithDbAsync(db => db.Services.Include(s => s.Phones).OrderBy(s => s.SourceId)
            .Select(s => string.Join(" ", s.Phones.Select(p => p.Number).OrderBy(n => n))).ToListAsync());
        Assert.Equal("+50622223333 +50688887777", phones[0]);
        Assert.Equal("+26461226889 116", phones[1]);
        Assert.Equal(["phone_as_written"], result.CodesAt(4, "warnings"));
    }
}
