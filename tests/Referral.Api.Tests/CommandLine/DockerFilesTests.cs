using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Referral.Api.Tests.CommandLine;

/// <summary>
/// No Docker engine runs on the build machines, so the Dockerfile and docker-compose.yml are checked statically (issue 16):
/// base images pinned by exact version, an API healthcheck, ports on 127.0.0.1, no fictional demo seeded unless asked,
/// and the README's way to create a key inside the container.
/// </summary>
public sealed class DockerFilesTests
{
    private static string Read(string file) => File.ReadAllText(Path.Combine(AppProcess.RepoRoot, file));

    private static YamlMappingNode Service(string name)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Read("docker-compose.yml")));
        var services = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
        return (YamlMappingNode)services[name];
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    [Fact]
    public void Dockerfile_PinsItsBaseImagesByExactVersion_AndHasAHealthcheckOnReady()
    {
        var dockerfile = Read("Dockerfile");
        var images = Regex.Matches(dockerfile, @"^FROM\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();

        Assert.Equal(2, images.Count);
        Assert.All(images, image => Assert.Matches(@"^mcr\.microsoft\.com/dotnet/(sdk|aspnet):\d+\.\d+\.\d+$", image));
        Assert.Matches(@"(?m)^HEALTHCHECK\b.*\n?.*/health/ready", dockerfile);
    }

    [Fact]
    public void Compose_PinsTheDatabaseImage_PublishesOnLoopback_AndChecksTheApiHealth()
    {
        var db = Service("db");
        var api = Service("api");

        Assert.Matches(@"^postgis/postgis:\d+-\d+\.\d+(\.\d+)?$", Scalar(db, "image"));
        foreach (var service in new[] { db, api })
        {
            if (service.Children.TryGetValue(new YamlScalarNode("ports"), out var ports))
            {
                Assert.All((YamlSequenceNode)ports, p => Assert.Matches(@"^\$\{API_BIND:-127\.0\.0\.1\}:|^127\.0\.0\.1:", ((YamlScalarNode)p).Value!));
            }
        }
        var test = string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)api["healthcheck"])["test"]).Select(n => ((YamlScalarNode)n).Value));
        Assert.Contains("/health/ready", test, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_SeedsTheFictionalDemo_OnlyWhenAsked()
    {
        var environment = (YamlMappingNode)Service("api")["environment"];

        Assert.Equal("${SEED_DEMO:-false}", Scalar(environment, "Seeding__Demo"));
    }

    [Fact]
    public void Readme_ShowsHowToCreateAKeyInsideTheContainer()
    {
        Assert.Contains("docker compose exec api dotnet Referral.Api.dll keys create --role admin --name", Read("README.md"), StringComparison.Ordinal);
    }
}
