using BenchmarkDotNet.Attributes;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.Benchmarks;

/// <summary>
/// The agent's TPM layer off the TPM: marshalling a Quote command and unmarshalling its response
/// (what every push cycle pays besides the TPM itself), and the --avoid-tpm software TPM's quote
/// and PoP certify (the whole TPM cost of a software-TPM cycle).
/// </summary>
[MemoryDiagnoser]
public class AgentTpmBenchmarks
{
    private static readonly PcrSelection AllSha256 = PcrSelection.Of(TpmAlg.Sha256, [.. Enumerable.Range(0, 24)]);
    private readonly byte[] _nonce = "benchmark-nonce-0001"u8.ToArray();
    private byte[] _quoteParameters = [];
    private byte[] _quoteResponse = [];
    private SoftwareTpm _rsa = null!;
    private SoftwareTpm _ecc = null!;

    [GlobalSetup]
    public void Setup()
    {
        var w = new TpmWriter().WriteSized(_nonce).WriteUInt16((ushort)TpmAlg.Null);
        AllSha256.Write(w);
        _quoteParameters = w.ToArray();
        var attest = File.ReadAllBytes(Vector("quote/q_rsa_sha256_all.attest"));
        var signature = File.ReadAllBytes(Vector("quote/q_rsa_sha256_all.sig"));
        var parameters = new TpmWriter().WriteSized(attest).WriteBytes(signature).ToArray();
        var response = new TpmWriter().WriteUInt16(Tpm2Tag.Sessions).WriteUInt32(0).WriteUInt32(0)
            .WriteUInt32((uint)parameters.Length).WriteBytes(parameters).WriteSized([]).WriteByte(1).WriteSized([]).ToArray();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(response.AsSpan(2), (uint)response.Length);
        _quoteResponse = response;
        _rsa = Software(TpmAlg.RsaSsa);
        _ecc = Software(TpmAlg.EcDsa);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rsa.Dispose();
        _ecc.Dispose();
    }

    [Benchmark]
    public byte[] MarshalQuoteCommand() =>
        TpmCommands.Marshal(Tpm2Cc.Quote, [0x80000001], [TpmAuth.EmptyPassword], _quoteParameters);

    [Benchmark]
    public TpmResponse UnmarshalQuoteResponse() => TpmCommands.Unmarshal(Tpm2Cc.Quote, _quoteResponse, 0);

    [Benchmark]
    public TpmQuote SoftwareQuoteRsa2048() => _rsa.Quote(_nonce, AllSha256);

    [Benchmark]
    public TpmQuote SoftwareQuoteP256() => _ecc.Quote(_nonce, AllSha256);

    [Benchmark]
    public SignedAttest SoftwareCertifyRsa2048() => _rsa.Certify(_nonce);

    private static SoftwareTpm Software(TpmAlg scheme)
    {
        var tpm = new SoftwareTpm(null);
        tpm.LoadEndorsementKey(TpmAlg.Rsa);
        tpm.LoadAttestationKey(TpmAlg.Sha256, scheme, null);
        return tpm;
    }

    // BenchmarkDotNet runs each job from a generated folder under bin/, so walk up to the shared/ fixtures.
    private static string Vector(string relative)
    {
        if (Environment.GetEnvironmentVariable("KEYLIME_SHARED_DIR") is { Length: > 0 } overridden)
        {
            return Path.Combine(overridden, "tpm-vectors", relative);
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "DESIGN.md")))
            {
                return Path.Combine(candidate, "tpm-vectors", relative);
            }
        }

        throw new DirectoryNotFoundException("shared/ fixtures not found above the benchmark binaries; set KEYLIME_SHARED_DIR");
    }
}
