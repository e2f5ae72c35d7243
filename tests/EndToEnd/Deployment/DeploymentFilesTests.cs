using System.Text.RegularExpressions;
using Keylime.TestSupport;
using YamlDotNet.RepresentationModel;

namespace Keylime.EndToEnd.Deployment;

/// <summary>
/// No Docker engine runs where the tests run, so the compose file, the Dockerfiles and the systemd
/// units are checked for consistency instead: every service builds from a Dockerfile that exists
/// and publishes a project that exists, ports match, and every KEYLIME_* variable names an option
/// that Keylime's own configuration files define.
/// </summary>
public class DeploymentFilesTests
{
    private static readonly string Root = SharedData.RepositoryRoot;

    private static YamlMappingNode Services()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return (YamlMappingNode)root.Children[new YamlScalarNode("services")];
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services().Children[new YamlScalarNode(name)];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    [Fact]
    public void Compose_has_postgres_registrar_verifier_and_an_agent()
    {
        var names = Services().Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        Assert.Superset(new HashSet<string?> { "postgres", "registrar", "verifier", "agent" }, names);
    }

    [Theory]
    [InlineData("registrar", "src/Registrar/Keylime.Registrar.csproj")]
    [InlineData("verifier", "src/Verifier/Keylime.Verifier.csproj")]
    [InlineData("agent", "src/PushAgent/Keylime.PushAgent.csproj")]
    public void Each_service_builds_from_an_existing_multi_stage_non_root_dockerfile(string service, string project)
    {
        var build = (YamlMappingNode)Service(service).Children[new YamlScalarNode("build")];
        var context = Path.GetFullPath(Path.Combine(Root, Scalar(build, "context")!));
        var dockerfile = Path.Combine(context, Scalar(build, "dockerfile")!);
        Assert.True(File.Exists(dockerfile), dockerfile);

        var text = File.ReadAllText(dockerfile);
        Assert.Equal(2, Regex.Count(text, @"^FROM ", RegexOptions.Multiline));
        Assert.Contains($"dotnet publish {project}", text);
        Assert.True(File.Exists(Path.Combine(context, project)), project);
        Assert.Matches(@"(?m)^USER keylime$", text);
        foreach (Match copy in Regex.Matches(text, @"(?m)^COPY (?!--from)(\S+) "))
        {
            var source = copy.Groups[1].Value;
            Assert.True(source == "." || File.Exists(Path.Combine(context, source)) || Directory.Exists(Path.Combine(context, source)), source);
        }
    }

    [Theory]
    [InlineData("verifier", new[] { 8881 })]
    [InlineData("registrar", new[] { 8890, 8891 })]
    public void Published_ports_match_the_exposed_ports_and_the_configuration(string service, int[] ports)
    {
        var published = ((YamlSequenceNode)Service(service).Children[new YamlScalarNode("ports")])
            .Select(n => ((YamlScalarNode)n).Value!).ToList();
        Assert.Equal(ports.Select(p => $"{p}:{p}"), published);

        var dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "docker", $"Dockerfile.{service}"));
        Assert.Contains("EXPOSE " + string.Join(' ', ports), dockerfile);

        var env = Environment(service);
        var prefix = $"KEYLIME_{service.ToUpperInvariant()}_";
        Assert.Equal(ports[0].ToString(), env[prefix + "PORT"]);
        if (ports.Length > 1)
        {
            Assert.Equal(ports[1].ToString(), env[prefix + "TLS_PORT"]);
        }
    }

    [Theory]
    [InlineData("verifier", "verifier.conf")]
    [InlineData("registrar", "registrar.conf")]
    [InlineData("agent", "agent.conf")]
    public void Every_keylime_variable_names_an_option_of_keylimes_own_config(string service, string configFile)
    {
        var known = Regex.Matches(File.ReadAllText(SharedData.Path("data", "keylime-conf", configFile)), @"(?m)^([a-z_0-9]+)\s*=")
            .Select(m => m.Groups[1].Value).ToHashSet();
        var prefix = $"KEYLIME_{(service == "agent" ? "AGENT" : service.ToUpperInvariant())}_";
        var variables = Environment(service).Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(variables);
        foreach (var variable in variables)
        {
            Assert.Contains(variable[prefix.Length..].ToLowerInvariant(), known);
        }
    }

    [Fact]
    public void The_verifier_runs_in_push_mode_on_postgresql()
    {
        var env = Environment("verifier");
        Assert.Equal("push", env["KEYLIME_VERIFIER_MODE"]);
        Assert.StartsWith("postgresql://", env["KEYLIME_VERIFIER_DATABASE_URL"], StringComparison.Ordinal);
        Assert.StartsWith("postgresql://", Environment("registrar")["KEYLIME_REGISTRAR_DATABASE_URL"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_agent_is_deployed_as_the_Native_AOT_build_that_meets_its_memory_target()
    {
        // src/PushAgent/README.md (Memory and CPU): only the AOT build stays under 60 MB resident.
        var project = File.ReadAllText(Path.Combine(Root, "src", "PushAgent", "Keylime.PushAgent.csproj"));
        Assert.Contains("<PublishAot>true</PublishAot>", project);
        Assert.Contains("--runtimeopt:GCgen0size=", project); // without it RSS climbs by the L3-sized gen0 budget
        var dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "docker", "Dockerfile.agent"));
        Assert.Matches(@"apt-get install[^\n]*clang[^\n]*zlib1g-dev", dockerfile);
        Assert.DoesNotContain("PublishAot=false", dockerfile, StringComparison.Ordinal);
        var unit = File.ReadAllText(Path.Combine(Root, "deploy", "systemd", "keylime_push_model_agent.service"));
        Assert.Matches(@"(?m)^ExecStart=\S+/keylime_push_model_agent$", unit);
    }

    [Theory]
    [InlineData("keylime_registrar.service")]
    [InlineData("keylime_verifier.service")]
    public void Server_units_are_hardened_but_can_write_keylime_dir(string unit)
    {
        var text = File.ReadAllText(Path.Combine(Root, "deploy", "systemd", unit));
        Assert.Contains("NoNewPrivileges=yes", text);
        Assert.Contains("ProtectSystem=strict", text);
        Assert.Contains("ReadWritePaths=/var/lib/keylime", text);
        Assert.Contains("Restart=on-failure", text);
    }

    private static Dictionary<string, string> Environment(string service)
    {
        var env = (YamlMappingNode)Service(service).Children[new YamlScalarNode("environment")];
        return env.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);
    }
}
