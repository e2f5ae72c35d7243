using System.Text.Json.Nodes;
using Keylime.TestSupport;
using Keylime.Verifier.Tests.Support;

namespace Keylime.Verifier.Tests.Wire;

/// <summary>
/// The deployed shape: <c>dotnet Keylime.Verifier.dll</c> reading the shared Keylime verifier.conf
/// unchanged (KEYLIME_VERIFIER_CONFIG) with KEYLIME_* overrides, generating cv_ca, serving the tenant.
/// </summary>
public sealed class VerifierProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static ChildProcess StartVerifier(TestDatabase database, IDictionary<string, string> environment) =>
        ChildProcess.Start("verifier", KeylimeBinaries.Verifier, [], environment, database.KeylimeDir);

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task A_verifier_process_from_keylimes_config_serves_the_tenants_enrollment(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var port = FreePort.Next();
        using var verifier = StartVerifier(database, VerifierServer.Environment(database, port));
        verifier.WaitForPort(port, StartTimeout);
        foreach (var file in new[] { "cacert.crt", "server-cert.crt", "server-private.pem", "client-cert.crt", "client-private.pem" })
        {
            Assert.True(File.Exists(Path.Combine(database.KeylimeDir, "cv_ca", file)), file);
        }

        using var clients = new VerifierClients(new Uri($"https://127.0.0.1:{port}"), Path.Combine(database.KeylimeDir, "cv_ca"));
        var tenant = clients.Admin();
        const string path = "/v2.6/agents/d432fbb3-d2f1-4a97-9ef7-75bd81c00000";

        Assert.Equal(200, (await Http.GetAsync(tenant, "/version")).Status);
        Assert.Equal(200, (await Http.PostAsync(tenant, path, TenantBodies.Enroll())).Status);
        var (status, body) = await Http.GetAsync(tenant, path);
        Assert.Equal(200, status);
        Assert.Equal("PENDING", (string?)body!["results"]!["attestation_status"]);
        Assert.Equal("10s", (string?)body["results"]!["maximum_attestation_interval"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"uuids":[["d432fbb3-d2f1-4a97-9ef7-75bd81c00000"]]}"""),
            (await Http.GetAsync(tenant, "/v2.6/agents/?verifier=")).Body!["results"]));
        Assert.Equal(403, (await Http.GetAsync(clients.Anonymous(), path)).Status);
        Assert.Equal(200, (await Http.DeleteAsync(tenant, path)).Status);
        Assert.Equal(404, (await Http.GetAsync(tenant, path)).Status);
    }

    [Theory]
    [InlineData("pull")]
    [InlineData("")]
    public async Task Pull_mode_stops_start_up_with_a_clear_message(string mode)
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var env = VerifierServer.Environment(database, FreePort.Next(), new Dictionary<string, string> { ["KEYLIME_VERIFIER_MODE"] = mode });
        using var verifier = StartVerifier(database, env);

        var exitCode = verifier.WaitForExit(StartTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("mode = 'pull' is not supported", verifier.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_option_stops_start_up_naming_it()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var env = VerifierServer.Environment(database, FreePort.Next(), new Dictionary<string, string> { ["KEYLIME_VERIFIER_QUOTE_INTERVAL"] = "often" });
        using var verifier = StartVerifier(database, env);

        Assert.NotEqual(0, verifier.WaitForExit(StartTimeout));
        Assert.Contains("quote_interval", verifier.Log, StringComparison.Ordinal);
    }
}
