using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;

namespace Keylime.Benchmarks;

/// <summary>
/// Per-request security costs in the verifier: checking a PoP bearer token (Keylime's PBKDF2
/// at-rest hash on a cache miss versus a SHA-256 + constant-time compare against a cached hash on
/// the hot path), validating an admin client certificate chain against trusted_client_ca, and
/// minting a nonce.
/// </summary>
[MemoryDiagnoser]
public class SecurityBenchmarks : IDisposable
{
    private IssuedToken _token = null!;
    private string _cachedSha = "";
    private TlsMaterial _tls = null!;
    private X509Certificate2 _client = null!;
    private string _dir = "";

    [GlobalSetup]
    public void Setup()
    {
        _token = SessionTokens.Issue();
        _cachedSha = Secrets.Sha256Hex(_token.Token);
        _dir = Directory.CreateTempSubdirectory("keylime-bench-").FullName;
        _tls = TlsMaterial.ForVerifier(new VerifierOptions { KeylimeDir = _dir, TlsDir = "generate" });
        _client = X509Certificate2.CreateFromPemFile(Path.Combine(_dir, "cv_ca", "client-cert.crt"), Path.Combine(_dir, "cv_ca", "client-private.pem"));
        if (!TokenHotPath() || !ValidateClientCertificate())
        {
            throw new InvalidOperationException("benchmark inputs do not verify");
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _tls?.Dispose();
        _client?.Dispose();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "token check, cached SHA-256 + fixed-time compare")]
    public bool TokenHotPath() => Secrets.FixedTimeEquals(Secrets.Sha256Hex(_token.Token), _cachedSha);

    [Benchmark(Description = "token check, Keylime PBKDF2 (600k iterations)")]
    public bool TokenPbkdf2() => SessionTokens.Verify(_token.Token, _token.SaltHex, _token.HashHex);

    [Benchmark(Description = "client certificate chain validation")]
    public bool ValidateClientCertificate() => _tls.ValidateClientCertificate(_client);

    [Benchmark(Description = "16-byte nonce")]
    public byte[] Nonce() => RandomNumberGenerator.GetBytes(16);
}
