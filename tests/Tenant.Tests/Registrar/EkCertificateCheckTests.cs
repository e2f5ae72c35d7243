using System.Text.Json.Nodes;
using Keylime.Tenant.Registrar;
using Keylime.Tenant.Tests.Support;
using Keylime.Tenant.Tests.Transport;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Registrar;

/// <summary>
/// require_ek_cert: the registrar's EK certificate must carry the EK and chain to tpm_cert_store.
/// Real swtpm EK certificates and CAs from tpm-vectors.
/// </summary>
public sealed class EkCertificateCheckTests(StandInPair pair) : StandInTests(pair), IDisposable
{
    private static readonly string EkCert = Base64("ek", "ek_rsa_cert.der");
    private static readonly string EkTpm = Base64("ek", "ek_rsa.pub");

    private readonly string _store = StoreWith("rootca_cert.pem", "intermediate_cert.pem");

    private static string Base64(params string[] path) => Convert.ToBase64String(File.ReadAllBytes(SharedData.Path(["tpm-vectors", .. path])));

    private static string StoreWith(params string[] caFiles)
    {
        var dir = Directory.CreateTempSubdirectory("keylime-tenant-certstore.").FullName;
        foreach (var file in caFiles)
        {
            File.Copy(SharedData.Path("tpm-vectors", "ca", file), Path.Combine(dir, file));
        }

        return dir;
    }

    private static RegistrarAgent Agent(string? ekcert, string ekTpm) =>
        new(new JsonObject { ["aik_tpm"] = AkTpm, ["ek_tpm"] = ekTpm, ["ekcert"] = ekcert, ["ip"] = null, ["port"] = null, ["regcount"] = 1 });

    [Fact]
    public void An_ek_certificate_issued_through_the_store_is_accepted()
    {
        Assert.Null(EkCertificateCheck.Problem(Agent(EkCert, EkTpm), _store));
    }

    [Fact]
    public void An_agent_without_ek_certificate_is_refused()
    {
        Assert.Equal("No EK cert provided, require_ek_cert option in config set to True", EkCertificateCheck.Problem(Agent(null, EkTpm), _store));
    }

    [Fact]
    public void An_ek_certificate_from_an_unknown_ca_is_refused()
    {
        using var pki = new TestPki("Not A TPM Vendor");
        var store = Directory.CreateTempSubdirectory("keylime-tenant-certstore.").FullName;
        File.Copy(pki.CaFile, Path.Combine(store, "vendor.pem"));
        try
        {
            Assert.StartsWith("Invalid EK certificate: the EK certificate does not chain to the tpm_cert_store", EkCertificateCheck.Problem(Agent(EkCert, EkTpm), store));
        }
        finally
        {
            Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public void An_ek_certificate_for_another_key_is_refused()
    {
        Assert.StartsWith("Invalid EK certificate: the EK certificate does not contain the EK public key",
            EkCertificateCheck.Problem(Agent(EkCert, Base64("ek", "ek_ecc.pub")), _store));
    }

    [Fact]
    public void A_missing_cert_store_is_named()
    {
        Assert.Equal("tpm_cert_store /nonexistent-store does not exist", EkCertificateCheck.Problem(Agent(EkCert, EkTpm), "/nonexistent-store"));
    }

    [Fact]
    public async Task Add_with_require_ek_cert_enrolls_an_agent_whose_ek_chains_to_the_store()
    {
        RegistrarWithAgent(r => WithEk(r, EkCert));
        VerifierInPushMode();
        Verifier.Replay(VerifierCapture(2));
        Verifier.Replay(VerifierCapture(3), AtStandInPort);

        var result = await RunAsync(Options with { RequireEkCert = true, TpmCertStore = _store }, "-c", "add", "--push-model", "-u", AgentId);

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Add_with_require_ek_cert_refuses_an_untrusted_ek_before_contacting_the_verifier()
    {
        var emptyStore = StoreWith();
        RegistrarWithAgent(r => WithEk(r, EkCert));

        var result = await RunAsync(Options with { RequireEkCert = true, TpmCertStore = emptyStore }, "-c", "add", "--push-model", "-u", AgentId);

        Directory.Delete(emptyStore, recursive: true);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("keylime-tenant: Invalid EK certificate: ", result.StderrLines[^1]);
        Assert.EndsWith($"for Agent {AgentId}", result.StderrLines[^1]);
        Assert.Empty(Verifier.Received);
    }

    private static JsonObject WithEk(JsonObject results, string ekcert)
    {
        results["ekcert"] = ekcert;
        results["ek_tpm"] = EkTpm;
        return results;
    }

    public void Dispose() => Directory.Delete(_store, recursive: true);
}
