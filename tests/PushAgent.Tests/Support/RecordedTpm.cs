using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Keylime.PushAgent.Evidence;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// A stand-in for the agent's TPM that answers with REAL swtpm output recorded in tpm-vectors
/// (EK, AK, a self-certify, a SHA-256 quote). It exists because these tests check the protocol
/// layer against fake peers that do not verify signatures; the TPM layer itself is tested on swtpm
/// in tests/PushAgent.Tests/Tpm and end to end with the real verifier.
/// </summary>
public sealed class RecordedTpm : IAgentTpm
{
    public RecordedTpm()
    {
        var ek = TpmPublic.Parse(Read("ek", "ek_rsa.pub"));
        var ak = TpmPublic.Parse(Read("ak", "ak_rsa.pub"));
        Keys = new AgentKeys(
            ek.ToTpmtBytes(),
            Read("ek", "ek_rsa_cert.der"),
            [],
            ak.ToTpmtBytes(),
            Read("ak", "ak_rsa.name"),
            Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(ek.ToPem()))),
            new AkAlgorithms("rsa", 2048, "sha256", "rsassa"));
    }

    /// <summary>What ActivateCredential returns: the "secret" the registrar's auth_tag check is computed from.</summary>
    public static readonly byte[] ActivatedSecret = Encoding.ASCII.GetBytes("recorded-activation-secret-32byt");

    public AgentKeys Keys { get; }

    public IReadOnlyDictionary<string, IReadOnlyList<int>> PcrBanks { get; } = new Dictionary<string, IReadOnlyList<int>>
    {
        ["sha1"] = Enumerable.Range(0, 24).ToArray(),
        ["sha256"] = Enumerable.Range(0, 24).ToArray(),
    };

    public IReadOnlyList<string> SignatureSchemes { get; } = ["rsapss", "rsassa"];

    public ConcurrentQueue<(byte[] Nonce, string Hash, IReadOnlyList<int> Pcrs)> Quotes { get; } = new();

    public ConcurrentQueue<byte[]> Certified { get; } = new();

    public ConcurrentQueue<(byte[] Credential, byte[] Secret)> Activations { get; } = new();

    public byte[] ActivateCredential(byte[] credential, byte[] encryptedSecret)
    {
        Activations.Enqueue((credential, encryptedSecret));
        return ActivatedSecret;
    }

    public SignedAttestation Certify(byte[] qualifyingData)
    {
        Certified.Enqueue(qualifyingData);
        return new SignedAttestation(Read("certify", "certify_rsa_self.attest"), Read("certify", "certify_rsa_self.sig"));
    }

    public QuoteEvidence Quote(byte[] nonce, string hashAlgorithm, IReadOnlyList<int> pcrs)
    {
        Quotes.Enqueue((nonce, hashAlgorithm, pcrs));
        return new QuoteEvidence(
            Read("quote", "q_rsa_sha256_all.attest"), Read("quote", "q_rsa_sha256_all.sig"), Read("quote", "q_rsa_sha256_all.pcrs"));
    }

    private static byte[] Read(string folder, string file) => File.ReadAllBytes(SharedData.Path("tpm-vectors", folder, file));
}
