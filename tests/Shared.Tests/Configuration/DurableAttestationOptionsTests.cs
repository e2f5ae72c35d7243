using Keylime.Shared.Configuration;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>spec/verifier.md §10.2, spec/registrar.md §9.2: the durable-attestation options both components carry.</summary>
public sealed class DurableAttestationOptionsTests : IDisposable
{
    private const string Section = """
        durable_attestation_import = keylime.da.examples.redis
        persistent_store_url = redis://127.0.0.1:6379
        transparency_log_url = http://rekor.example
        time_stamp_authority_url = http://tsa.example
        time_stamp_authority_certs_path = tsa.pem
        persistent_store_format = pickle
        persistent_store_encoding = base64
        transparency_log_sign_algo = sha512
        signed_attributes = ek_tpm,aik_tpm

        """;

    private readonly ConfigTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static void AssertAllRead(DurableAttestationOptions d)
    {
        Assert.Equal("keylime.da.examples.redis", d.Import);
        Assert.Equal("redis://127.0.0.1:6379", d.PersistentStoreUrl);
        Assert.Equal("http://rekor.example", d.TransparencyLogUrl);
        Assert.Equal("http://tsa.example", d.TimeStampAuthorityUrl);
        Assert.Equal("tsa.pem", d.TimeStampAuthorityCertsPath);
        Assert.Equal("pickle", d.PersistentStoreFormat);
        Assert.Equal("base64", d.PersistentStoreEncoding);
        Assert.Equal("sha512", d.TransparencyLogSignAlgo);
        Assert.Equal(["ek_tpm", "aik_tpm"], d.SignedAttributes);
    }

    [Fact]
    public void Verifier_section_durable_attestation_options_are_read()
    {
        _tree.WriteEtc("verifier.conf", "[verifier]\n" + Section);

        AssertAllRead(VerifierOptions.Load(_tree.Locations).DurableAttestation);
    }

    [Fact]
    public void Registrar_section_durable_attestation_options_are_read()
    {
        _tree.WriteEtc("registrar.conf", "[registrar]\n" + Section);

        AssertAllRead(RegistrarOptions.Load(_tree.Locations).DurableAttestation);
    }

    [Fact]
    public void Signed_attributes_default_differs_per_component_as_in_the_templates()
    {
        Assert.Empty(new VerifierOptions().DurableAttestation.SignedAttributes);
        Assert.Equal(["ek_tpm", "aik_tpm", "ekcert"], new RegistrarOptions().DurableAttestation.SignedAttributes);
        Assert.Equal("json", new RegistrarOptions().DurableAttestation.PersistentStoreFormat);
    }
}
