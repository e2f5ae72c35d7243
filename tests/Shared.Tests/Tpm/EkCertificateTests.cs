using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

public class EkCertificateTests
{
    private static TpmCertStore VectorCa() => TpmCertStore.Load(TpmVectors.Path("ca"));

    [Theory]
    [InlineData("ek/ek_rsa_cert.der", "ek/ek_rsa.pub")]
    [InlineData("ek/ek_rsa_cert.pem", "ek/ek_rsa.pub")]
    [InlineData("ek/ek_ecc_cert.der", "ek/ek_ecc.pub")]
    [InlineData("ek/ek_ecc_cert.pem", "ek/ek_ecc.pub")]
    [InlineData("ek/ek_ecc384_cert.der", "ek/ek_ecc384_persistent_81010016.pub")]
    public void Vector_ek_certificates_carry_the_ek_and_chain_to_the_swtpm_ca(string certFile, string ekFile)
    {
        var cert = EkCertificates.Load(TpmVectors.Bytes(certFile));
        var ek = TpmPublic.Parse(TpmVectors.Bytes(ekFile));
        Assert.True(EkCertificates.KeyMatches(cert, ek));
        var result = VectorCa().Validate(cert, ek);
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void A_certificate_whose_key_differs_from_ek_tpm_is_refused()
    {
        var cert = EkCertificates.Load(TpmVectors.Bytes("ek/ek_rsa_cert.der"));
        var other = TpmPublic.Parse(TpmVectors.Bytes("ak/ak_rsa.pub"));
        Assert.Equal(EkCertificateFailure.KeyMismatch, VectorCa().Validate(cert, other).Failure);
        Assert.False(EkCertificates.KeyMatches(cert, TpmPublic.Parse(TpmVectors.Bytes("ek/ek_ecc.pub"))));
    }

    [Fact]
    public void A_certificate_for_the_right_key_from_another_ca_is_refused()
    {
        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub"));
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Some Other TPM CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-2), now.AddYears(2));
        using var ekKey = ek.ToRsa();
        var ekRequest = new CertificateRequest("CN=unknown", ekKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var forged = ekRequest.Create(ca, now.AddDays(-1), now.AddYears(1), [1, 2, 3]);

        Assert.True(EkCertificates.KeyMatches(forged, ek));
        Assert.Equal(EkCertificateFailure.UntrustedChain, VectorCa().Validate(forged, ek).Failure);
        var trusting = new TpmCertStore([X509CertificateLoader.LoadCertificate(ca.RawData)]);
        Assert.True(trusting.Validate(forged, ek).IsValid);
    }

    [Fact]
    public void An_ek_certificate_is_refused_when_only_the_intermediate_is_missing()
    {
        var root = EkCertificates.Load(TpmVectors.Bytes("ca/rootca_cert.pem"));
        var store = new TpmCertStore([root]);
        var cert = EkCertificates.Load(TpmVectors.Bytes("ek/ek_rsa_cert.der"));
        Assert.Equal(EkCertificateFailure.UntrustedChain, store.Validate(cert, null).Failure);
        var intermediate = EkCertificates.LoadAll(TpmVectors.Bytes("ca/intermediate_cert.pem"));
        Assert.True(store.Validate(cert, null, intermediate).IsValid);
    }

    [Fact]
    public void Validation_uses_the_injected_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = TpmCertStore.Load(TpmVectors.Path("ca"), clock);
        var cert = EkCertificates.Load(TpmVectors.Bytes("ek/ek_rsa_cert.der"));
        Assert.Equal(EkCertificateFailure.UntrustedChain, store.Validate(cert, null).Failure);
    }

    [Fact]
    public void A_der_certificate_with_nv_padding_loads()
    {
        var der = TpmVectors.Bytes("ek/ek_rsa_cert.der");
        var padded = der.Concat(new byte[40]).ToArray();
        Assert.Equal(der, EkCertificates.Load(padded).RawData);
    }

    [Fact]
    public void The_first_pem_block_is_the_ek_certificate()
    {
        var pem = TpmVectors.Text("ek/ek_ecc_cert.pem") + TpmVectors.Text("ca/chain.pem");
        var cert = EkCertificates.Load(Encoding.ASCII.GetBytes(pem));
        Assert.Equal(TpmVectors.Bytes("ek/ek_ecc_cert.der"), cert.RawData);
        Assert.Equal(3, EkCertificates.LoadAll(Encoding.ASCII.GetBytes(pem)).Count);
    }

    [Fact]
    public void Garbage_is_a_format_error()
    {
        Assert.Throws<TpmFormatException>(() => EkCertificates.Load([0x30, 0x82, 0xFF, 0xFF, 1, 2]));
        Assert.Throws<TpmFormatException>(() => EkCertificates.Load("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"u8));
    }

    [Fact]
    public void Unreadable_files_in_the_cert_store_are_skipped_and_reported()
    {
        var dir = Directory.CreateTempSubdirectory("tpm-cert-store.").FullName;
        try
        {
            File.Copy(TpmVectors.Path("ca/chain.pem"), Path.Combine(dir, "chain.pem"));
            File.WriteAllText(Path.Combine(dir, "README"), "not a certificate");
            var store = TpmCertStore.Load(dir);
            Assert.Equal(2, store.Count);
            Assert.Equal(["README"], store.SkippedFiles);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

public class EkCertificateQuirkTests
{
    [Fact]
    public void A_store_holding_only_the_issuing_intermediate_anchors_the_chain_like_keylime()
    {
        var store = new TpmCertStore(EkCertificates.LoadAll(TpmVectors.Bytes("ca/intermediate_cert.pem")));
        var cert = EkCertificates.Load(TpmVectors.Bytes("ek/ek_rsa_cert.der"));
        var result = store.Validate(cert, TpmPublic.Parse(TpmVectors.Bytes("ek/ek_rsa.pub")));
        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void Vendor_quirks_unknown_critical_extensions_and_no_eku_do_not_fail_the_chain()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Vendor EK Root", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-2), now.AddYears(5));

        var ek = TpmPublic.Parse(TpmVectors.Bytes("ek/ek_ecc.pub"));
        using var ekKey = ek.ToECDsa();
        var request = new CertificateRequest(
            new X500DistinguishedName(""), ekKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509Extension("2.23.133.99.1", [0x05, 0x00], critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyAgreement, true));
        using var cert = request.Create(ca, now.AddDays(-1), now.AddYears(1), [7]);

        var store = new TpmCertStore([X509CertificateLoader.LoadCertificate(ca.RawData)]);
        var result = store.Validate(X509CertificateLoader.LoadCertificate(cert.RawData), ek);
        Assert.True(result.IsValid, result.Message);
    }
}
