using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Evidence;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>The protocol layer's IAgentTpm, opened from agent settings on swtpm and in software.</summary>
public class AgentTpmProviderTests : IClassFixture<SwtpmTpmFixture>
{
    private readonly SwtpmTpmFixture _fx;

    public AgentTpmProviderTests(SwtpmTpmFixture fx) => _fx = fx;

    private AgentSettings Settings(string name, bool avoidTpm = false, string? tcti = null, string signing = "rsassa") => new()
    {
        Uuid = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000",
        VerifierUrl = new Uri("https://127.0.0.1:8881"),
        RegistrarUrl = new Uri("http://127.0.0.1:8890"),
        KeylimeDir = _fx.File(name),
        AgentDataPath = AgentDataStore.DefaultPath(_fx.File(name)),
        AvoidTpm = avoidTpm,
        Tcti = tcti,
        TpmSigningAlg = signing,
        TpmEncryptionAlg = "rsa",
        TpmHashAlg = "sha256",
    };

    private static AgentTpmProvider Provider(string? tctiEnvironment = null) =>
        new(NullLoggerFactory.Instance, name => name == "TCTI" ? tctiEnvironment : null);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_opened_tpm_registers_activates_certifies_and_quotes_as_the_core_verifies(bool avoidTpm)
    {
        using var provider = Provider();
        var tpm = provider.Open(Settings($"full-{avoidTpm}", avoidTpm, _fx.Swtpm.Tcti));
        var keys = tpm.Keys;
        var ek = TpmPublic.ParseTpmt(keys.EkPublicArea);
        var akTpm2B = TpmPublic.ParseTpmt(keys.AkPublicArea).ToTpm2BBytes();

        Assert.Equal(new AkAlgorithms("rsa", 2048, "sha256", "rsassa"), keys.Ak);
        Assert.Equal(64, keys.EkHash.Length);
        Assert.Equal(avoidTpm, keys.EkCertificate is null);
        Assert.Equal(["sha1", "sha256"], tpm.PcrBanks.Keys);
        Assert.Equal(["ecdsa", "rsapss", "rsassa"], tpm.SignatureSchemes);

        var credential = MakeCredential.NewKeylimeCredential();
        var blob = MakeCredential.Create(ek, keys.AkName, credential);
        Assert.Equal(credential, tpm.ActivateCredential(blob.IdObject, blob.EncryptedSecret));

        var challenge = "0123456789abcdef"u8.ToArray();
        var pop = tpm.Certify(challenge);
        var popCheck = CertifyVerifier.ForKey(akTpm2B).VerifySelfCertification(pop.Message, pop.Signature, challenge, TpmAlg.Sha256, TpmAlg.RsaSsa);
        Assert.True(popCheck.IsValid, popCheck.Message);

        var nonce = "fresh-nonce-0001"u8.ToArray();
        var quote = tpm.Quote(nonce, "sha256", [0, 10, 16]);
        var quoteCheck = QuoteVerifier.ForAk(akTpm2B).Verify(quote.Message, quote.Signature, quote.SubjectData, nonce,
            new QuoteExpectations { HashAlgorithm = TpmAlg.Sha256, SignatureScheme = TpmAlg.RsaSsa, Selection = PcrSelection.Of(TpmAlg.Sha256, 0, 10, 16) });
        Assert.True(quoteCheck.IsValid, quoteCheck.Message);
    }

    [Fact]
    public void The_tcti_environment_variable_wins_over_agent_conf()
    {
        using var provider = Provider(_fx.Swtpm.Tcti);
        var tpm = provider.Open(Settings("env", tcti: "swtpm:host=127.0.0.1,port=1"));
        Assert.NotNull(tpm.Keys.EkCertificate);
    }

    [Fact]
    public void An_ecdsa_ak_is_reported_as_ecc_256()
    {
        using var provider = Provider();
        var tpm = provider.Open(Settings("ecc", tcti: _fx.Swtpm.Tcti, signing: "ecdsa"));
        Assert.Equal(new AkAlgorithms("ecc", 256, "sha256", "ecdsa"), tpm.Keys.Ak);
    }

    [Fact]
    public void An_unknown_signing_algorithm_is_refused_with_its_name()
    {
        using var provider = Provider();
        var e = Assert.Throws<ArgumentException>(() => provider.Open(Settings("bad", tcti: _fx.Swtpm.Tcti, signing: "ecschnorr")));
        Assert.Contains("ecschnorr", e.Message);
    }

    [Fact]
    public void An_unreachable_tpm_is_a_transport_error()
    {
        using var provider = Provider();
        Assert.Throws<TpmTransportException>(() => provider.Open(Settings("down", tcti: $"swtpm:host=127.0.0.1,port={Keylime.TestSupport.FreePort.Next()}")));
    }
}
