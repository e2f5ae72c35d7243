using BenchmarkDotNet.Attributes;
using Keylime.Shared.Tpm;

namespace Keylime.Benchmarks;

/// <summary>
/// TPM hot paths on real swtpm vectors: quote verification (what the verifier does per push cycle,
/// including the cached AK lookup from the registrar's aik_tpm bytes), certify verification (session
/// PoP) and MakeCredential (registrar, once per registration). Target: ≥ 20,000 RSA-2048 quote
/// verifications per second on one core.
/// </summary>
[MemoryDiagnoser]
public class TpmBenchmarks
{
    private byte[] _akRsa = [];
    private byte[] _akEcc = [];
    private KeylimeQuote _quoteRsa = null!;
    private KeylimeQuote _quoteEcc = null!;
    private byte[] _certifyAttest = [];
    private byte[] _certifySignature = [];
    private TpmPublic _ekRsa = null!;
    private TpmPublic _ekEcc = null!;
    private byte[] _akName = [];
    private readonly byte[] _credential = MakeCredential.NewKeylimeCredential();
    private readonly QuoteExpectations _sha256 = new() { HashAlgorithm = TpmAlg.Sha256 };

    [GlobalSetup]
    public void Setup()
    {
        _akRsa = Vector("ak/ak_rsa.pub");
        _akEcc = Vector("ak/ak_ecc.pub");
        _quoteRsa = Quote("q_rsa_sha256_all");
        _quoteEcc = Quote("q_ecc_sha256_all");
        _certifyAttest = Vector("certify/certify_rsa_self.attest");
        _certifySignature = Vector("certify/certify_rsa_self.sig");
        _ekRsa = TpmPublic.Parse(Vector("ek/ek_rsa.pub"));
        _ekEcc = TpmPublic.Parse(Vector("ek/ek_ecc.pub"));
        _akName = TpmPublic.Parse(_akRsa).Name;
        if (!VerifyQuoteRsa2048().IsValid || !VerifyQuoteP256().IsValid || !VerifyCertifyRsa2048().IsValid)
        {
            throw new InvalidOperationException("benchmark vectors do not verify");
        }
    }

    [Benchmark]
    public QuoteVerification VerifyQuoteRsa2048() =>
        QuoteVerifier.ForAk(_akRsa).Verify(_quoteRsa, "NonceRsaSha256All001"u8, _sha256);

    [Benchmark]
    public QuoteVerification VerifyQuoteP256() =>
        QuoteVerifier.ForAk(_akEcc).Verify(_quoteEcc, "NonceEccSha256All002"u8, _sha256);

    [Benchmark]
    public CertifyVerification VerifyCertifyRsa2048() =>
        CertifyVerifier.ForKey(_akRsa).VerifySelfCertification(_certifyAttest, _certifySignature, "CertifyQualifyingData01"u8, TpmAlg.Sha256, TpmAlg.RsaSsa);

    [Benchmark]
    public byte[] MakeCredentialRsa2048() => MakeCredential.Create(_ekRsa, _akName, _credential).ToBytes();

    [Benchmark]
    public byte[] MakeCredentialP256() => MakeCredential.Create(_ekEcc, _akName, _credential).ToBytes();

    private static KeylimeQuote Quote(string id) =>
        new(Vector($"quote/{id}.attest"), Vector($"quote/{id}.sig"), Vector($"quote/{id}.pcrs"));

    private static byte[] Vector(string relative) => File.ReadAllBytes(Path.Combine(SharedDirectory(), "tpm-vectors", relative));

    // BenchmarkDotNet runs each job from a generated folder under bin/, so walk up to the shared/ fixtures.
    private static string SharedDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("KEYLIME_SHARED_DIR");
        if (!string.IsNullOrEmpty(overridden))
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "DESIGN.md")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("shared/ fixtures not found above the benchmark binaries; set KEYLIME_SHARED_DIR");
    }
}
