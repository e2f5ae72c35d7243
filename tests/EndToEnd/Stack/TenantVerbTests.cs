using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.EndToEnd.Support;
using Keylime.TestSupport;

namespace Keylime.EndToEnd.Stack;

/// <summary>Every keylime-tenant verb against the real registrar and verifier, including its error paths.</summary>
[Collection("sqlite stack")]
public sealed class TenantVerbTests(SqliteStack fixture)
{
    private readonly Support.Stack _stack = fixture.Stack;

    [Fact]
    public async Task Every_verb_works_against_the_real_servers_from_policies_to_regdelete()
    {
        var tenant = _stack.Tenant;
        var agent = _stack.StartAgent();
        var name = "e2e-" + agent.Uuid[..8];
        var runtimePolicy = Path.Combine(agent.Directory, "runtime-policy.json");
        File.WriteAllText(runtimePolicy, ImaMeasurement.RuntimePolicy());
        var mbPolicy = SharedData.Path("data", "measured-boot", "example_reference_state.json");

        await tenant.SucceedAsync("-c", "addruntimepolicy", "--runtime-policy-name", name, "--runtime-policy", runtimePolicy);
        Assert.Contains(name, (await tenant.SucceedAsync("-c", "listruntimepolicy")).Stdout, StringComparison.Ordinal);
        Assert.Contains("digests", (await tenant.SucceedAsync("-c", "showruntimepolicy", "--runtime-policy-name", name)).Stdout, StringComparison.Ordinal);
        await tenant.SucceedAsync("-c", "updateruntimepolicy", "--runtime-policy-name", name, "--runtime-policy", runtimePolicy);
        await tenant.SucceedAsync("-c", "addmbpolicy", "--mb-policy-name", name, "--mb-policy", mbPolicy);
        Assert.Contains(name, (await tenant.SucceedAsync("-c", "listmbpolicy")).Stdout, StringComparison.Ordinal);
        await tenant.SucceedAsync("-c", "showmbpolicy", "--mb-policy-name", name);
        await tenant.SucceedAsync("-c", "updatembpolicy", "--mb-policy-name", name, "--mb-policy", mbPolicy);

        await agent.WaitRegisteredAsync(TimeSpan.FromSeconds(90));
        Assert.Contains(agent.Uuid, (await tenant.SucceedAsync("-c", "regstatus", "-u", agent.Uuid)).Stdout, StringComparison.Ordinal);
        Assert.Contains(agent.Uuid, (await tenant.SucceedAsync("-c", "reglist")).Stdout, StringComparison.Ordinal);
        await tenant.SucceedAsync("-c", "add", "--push-model", "-u", agent.Uuid, "--runtime-policy-name", name);
        await Verdicts.ConsecutivePassesAsync(_stack, agent, 1, TimeSpan.FromSeconds(90));

        Assert.Contains("\"attestation_status\": \"PASS\"", (await tenant.SucceedAsync("-c", "cvstatus", "-u", agent.Uuid)).Stdout, StringComparison.Ordinal);
        Assert.Contains(agent.Uuid, (await tenant.SucceedAsync("-c", "status", "-u", agent.Uuid)).Stdout, StringComparison.Ordinal);
        Assert.Contains(agent.Uuid, (await tenant.SucceedAsync("-c", "cvlist")).Stdout, StringComparison.Ordinal);
        Assert.Contains(agent.Uuid, (await tenant.SucceedAsync("-c", "bulkinfo")).Stdout, StringComparison.Ordinal);
        await tenant.SucceedAsync("-c", "update", "--push-model", "-u", agent.Uuid, "--runtime-policy-name", name);
        await tenant.SucceedAsync("-c", "reactivate", "-u", agent.Uuid);
        await Verdicts.StatusAsync(_stack, agent, "PASS", TimeSpan.FromSeconds(60));

        await tenant.SucceedAsync("-c", "delete", "-u", agent.Uuid);
        Assert.NotEqual(0, (await tenant.RunAsync("-c", "cvstatus", "-u", agent.Uuid)).ExitCode);
        agent.Kill();
        await tenant.SucceedAsync("-c", "regdelete", "-u", agent.Uuid);
        Assert.NotEqual(0, (await tenant.RunAsync("-c", "regstatus", "-u", agent.Uuid)).ExitCode);
        await tenant.SucceedAsync("-c", "deleteruntimepolicy", "--runtime-policy-name", name);
        await tenant.SucceedAsync("-c", "deletembpolicy", "--mb-policy-name", name);
        Assert.DoesNotContain(name, (await tenant.SucceedAsync("-c", "listruntimepolicy")).Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cvstatus")]
    [InlineData("status")]
    [InlineData("regstatus")]
    [InlineData("regdelete")]
    [InlineData("reactivate")]
    [InlineData("delete")]
    public async Task A_verb_on_an_unknown_uuid_fails_with_one_line_and_a_nonzero_exit(string verb)
    {
        var unknown = Guid.NewGuid().ToString();

        var result = await _stack.Tenant.RunAsync("-c", verb, "-u", unknown);

        Assert.NotEqual(0, result.ExitCode);
        Assert.NotEmpty(result.Stderr.Trim());
    }

    [Fact]
    public async Task A_client_certificate_from_another_CA_is_refused_and_the_tenant_says_so()
    {
        var dir = Directory.CreateTempSubdirectory("keylime-e2e-cert.").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=admin", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var stranger = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(dir, "cert.pem"), stranger.ExportCertificatePem());
            File.WriteAllText(Path.Combine(dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());
            var env = new Dictionary<string, string>
            {
                ["KEYLIME_TENANT_CLIENT_CERT"] = Path.Combine(dir, "cert.pem"),
                ["KEYLIME_TENANT_CLIENT_KEY"] = Path.Combine(dir, "key.pem"),
                ["KEYLIME_TENANT_MAX_RETRIES"] = "1",
            };

            var cvlist = await _stack.Tenant.RunWithAsync(env, "-c", "cvlist");
            var reglist = await _stack.Tenant.RunWithAsync(env, "-c", "reglist");

            Assert.NotEqual(0, cvlist.ExitCode);
            Assert.NotEqual(0, reglist.ExitCode);
            Assert.Single(cvlist.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
