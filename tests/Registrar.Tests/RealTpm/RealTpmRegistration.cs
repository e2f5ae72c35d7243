using System.Security.Cryptography;
using Keylime.Registrar.Tests.Support;

namespace Keylime.Registrar.Tests.RealTpm;

/// <summary>
/// Issue 4 acceptance, end to end on a real TPM: keys made by tpm2-tools on swtpm, registration over
/// the registrar's HTTP port (the Rust agent's v2 forms, EK certificate sent as PEM), the returned
/// blob activated by <c>tpm2_activatecredential</c>, the auth_tag sent back, then the record read
/// over HTTPS with the cv_ca client certificate as the tenant does.
/// </summary>
public sealed class RealTpmRegistration(SwtpmRegistrarFixture fixture) : IClassFixture<SwtpmRegistrarFixture>
{
    private RegistrarProcess Registrar => fixture.Registrar;

    [Fact]
    public async Task RSA_EK_agent_registers_activates_with_the_TPM_and_is_shown_active_over_mTLS()
    {
        var tpm = TpmAgent.Rsa(fixture.Tpm, "rsa");
        await RegisterActivateAndShow(tpm);
    }

    [Fact]
    public async Task ECC_P256_EK_agent_with_its_NV_certificate_registers_activates_and_is_shown_active_over_mTLS()
    {
        var tpm = TpmAgent.Ecc(fixture.Tpm, "ecc");
        await RegisterActivateAndShow(tpm);
    }

    private async Task RegisterActivateAndShow(TpmAgent tpm)
    {
        var id = AgentFlow.NewId();
        var registration = await Registrar.Http.Post($"/v2.6/agents/{id}", new Dictionary<string, object?>
        {
            ["aik_tpm"] = Convert.ToBase64String(tpm.AkPublic),
            ["ek_tpm"] = Convert.ToBase64String(tpm.EkPublic),
            ["ekcert"] = PemEncoding.WriteString("CERTIFICATE", tpm.EkCertificate) + "\n",
            ["iak_cert"] = null,
            ["idevid_cert"] = null,
            ["ip"] = "127.0.0.1",
            ["port"] = 9002,
        });
        Assert.True(registration.Code == 200, registration.Body);
        var blob = registration.Results.GetProperty("blob").GetString()!;

        var activation = await Registrar.Http.Put($"/v2.6/agents/{id}", new { auth_tag = tpm.AuthTag(blob, id) });
        Assert.True(activation.Code == 200, activation.Body);

        var shown = await Registrar.Admin.Get($"/v2.6/agents/{id}");
        Assert.Equal(200, shown.Code); // show answers 200 only for an active record
        Assert.True((await TestDatabase.FindAsync(Registrar, id))!.Active);
        Assert.Equal(1, shown.Results.GetProperty("regcount").GetInt32());
        Assert.Equal(Convert.ToBase64String(tpm.EkCertificate), shown.Results.GetProperty("ekcert").GetString());
        Assert.Equal(Convert.ToBase64String(tpm.EkPublic), shown.Results.GetProperty("ek_tpm").GetString());
        Assert.Equal(Convert.ToBase64String(tpm.AkPublic), shown.Results.GetProperty("aik_tpm").GetString());
    }
}
