using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Registrar.Tests.Support;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.Registrar.Tests.RealTpm;

/// <summary>
/// Issue 4 attack cases against a registrar with a real TPM on the other side: each is refused as
/// specified and leaves the stored state exactly as it was.
/// </summary>
public sealed class RealTpmAttacks(SwtpmRegistrarFixture fixture) : IClassFixture<SwtpmRegistrarFixture>
{
    private static readonly object Gate = new();
    private static TpmAgent? _agent;

    private RegistrarProcess Registrar => fixture.Registrar;

    private TpmAgent Tpm
    {
        get
        {
            lock (Gate)
            {
                return _agent ??= TpmAgent.Rsa(fixture.Tpm, "attacks");
            }
        }
    }

    [Fact]
    public async Task AK_without_the_restricted_attribute_is_refused_with_400_and_nothing_is_stored()
    {
        var unrestricted = Tpm.CreateUnrestrictedSigningKey("unrestricted");
        Assert.False(TpmPublic.Parse(unrestricted).Has(TpmObjectAttributes.Restricted));
        var id = AgentFlow.NewId();
        var response = await Register(id, unrestricted, Tpm.EkCertificate);
        Assert.Equal(400, response.Code);
        Assert.Equal("Could not register agent with invalid data", response.EnvelopeStatus);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task EK_certificate_of_another_TPM_is_refused_with_400_and_nothing_is_stored()
    {
        var otherTpmsCert = File.ReadAllBytes(SharedData.Path("tpm-vectors", "ek", "ek_rsa_cert.der"));
        var id = AgentFlow.NewId();
        var response = await Register(id, Tpm.AkPublic, otherTpmsCert);
        Assert.Equal(400, response.Code);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task EK_certificate_for_the_right_key_from_an_unknown_CA_is_refused_with_400()
    {
        using var forgerKey = RSA.Create(2048);
        var forger = new CertificateRequest("CN=Forged TPM Vendor", forgerKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        forger.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var forgerCa = forger.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        using var ekKey = TpmPublic.Parse(Tpm.EkPublic).ToRsa();
        var request = new CertificateRequest("CN=forged EK", ekKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var forged = request.Create(forgerCa, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(300), [1, 2, 3]);
        var id = AgentFlow.NewId();
        var response = await Register(id, Tpm.AkPublic, forged.RawData);
        Assert.Equal(400, response.Code);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task Wrong_auth_tag_is_400_and_deletes_the_pending_registration()
    {
        var id = AgentFlow.NewId();
        var blob = (await Register(id, Tpm.AkPublic, Tpm.EkCertificate)).Results.GetProperty("blob").GetString()!;
        var tagForAnotherAgent = Tpm.AuthTag(blob, AgentFlow.NewId());
        var response = await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = tagForAnotherAgent });
        Assert.Equal(400, response.Code);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
        Assert.Equal(404, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = Tpm.AuthTag(blob, id) })).Code);
    }

    [Fact]
    public async Task Activation_of_an_unknown_id_is_404_and_creates_nothing()
    {
        var id = AgentFlow.NewId();
        var response = await Registrar.Http.Post($"/v3.0/agents/{id}/activate", new { auth_tag = new string('f', 96) });
        Assert.Equal(404, response.Code);
        Assert.Null(await TestDatabase.FindAsync(Registrar, id));
    }

    [Fact]
    public async Task Re_registration_with_a_different_AK_is_403_and_the_active_record_is_unchanged()
    {
        var id = AgentFlow.NewId();
        var blob = (await Register(id, Tpm.AkPublic, Tpm.EkCertificate)).Results.GetProperty("blob").GetString()!;
        Assert.Equal(200, (await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = Tpm.AuthTag(blob, id) })).Code);
        var before = await TestDatabase.FindAsync(Registrar, id);

        var response = await Register(id, Tpm.CreateAnotherAk("second"), Tpm.EkCertificate);
        Assert.Equal(403, response.Code);
        Assert.Equivalent(before, await TestDatabase.FindAsync(Registrar, id));
        Assert.Equal(200, (await Registrar.Admin.Get($"/v2.6/agents/{id}")).Code);
    }

    [Fact]
    public async Task The_challenge_is_bound_to_the_registered_AK_so_another_AK_of_the_same_TPM_cannot_activate_it()
    {
        var id = AgentFlow.NewId();
        var otherAk = Tpm.CreateAnotherAk("binding");
        var blob = (await Register(id, otherAk, Tpm.EkCertificate)).Results.GetProperty("blob").GetString()!;
        // The TPM refuses (TPM_RC_INTEGRITY) because the blob names otherAk, not the AK loaded for activation.
        Assert.Throws<InvalidOperationException>(() => Tpm.ActivateCredential(blob));
        Assert.False((await TestDatabase.FindAsync(Registrar, id))!.Active);
    }

    private Task<ApiResponse> Register(string id, byte[] ak, byte[] ekCert) =>
        Registrar.Http.Post($"/v2.6/agents/{id}", new Dictionary<string, object?>
        {
            ["aik_tpm"] = Convert.ToBase64String(ak),
            ["ek_tpm"] = Convert.ToBase64String(Tpm.EkPublic),
            ["ekcert"] = Convert.ToBase64String(ekCert),
            ["ip"] = "127.0.0.1",
            ["port"] = 9002,
        });
}
