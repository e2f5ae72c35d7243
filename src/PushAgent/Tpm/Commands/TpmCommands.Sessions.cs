using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

public sealed partial class TpmCommands
{
    private const byte SessionTypePolicy = 0x01;
    private const uint PolicySecretAuthHandle = Tpm2Handle.Endorsement;

    /// <summary>
    /// An unsalted, unbound policy session (spec/tpm.md §6.3) with a fresh nonceCaller of the hash's
    /// size; returns its handle (0x03xxxxxx).
    /// </summary>
    public uint StartPolicySession(TpmAlg authHash)
    {
        var nonce = RandomNumberGenerator.GetBytes(TpmHash.DigestSize(authHash));
        var p = new TpmWriter()
            .WriteSized(nonce)
            .WriteSized([]) // encryptedSalt
            .WriteByte(SessionTypePolicy)
            .WriteUInt16((ushort)TpmAlg.Null) // symmetric: no parameter encryption
            .WriteUInt16((ushort)authHash);
        var response = Run(Tpm2Cc.StartAuthSession, [Tpm2Handle.Null, Tpm2Handle.Null], [], p, responseHandles: 1);
        return response.Handles[0];
    }

    /// <summary>TPM2_PolicySecret(authHandle) with empty nonceTPM, cpHash, policyRef and expiration 0.</summary>
    public void PolicySecret(uint policySession, uint authHandle = PolicySecretAuthHandle, TpmAuth? auth = null)
    {
        var p = new TpmWriter().WriteSized([]).WriteSized([]).WriteSized([]).WriteUInt32(0);
        Run(Tpm2Cc.PolicySecret, [authHandle, policySession], [auth ?? TpmAuth.EmptyPassword], p);
    }

    public void PolicyOr(uint policySession, IReadOnlyList<byte[]> digests)
    {
        var p = new TpmWriter().WriteUInt32((uint)digests.Count);
        foreach (var digest in digests)
        {
            p.WriteSized(digest);
        }

        Run(Tpm2Cc.PolicyOr, [policySession], [], p);
    }

    public byte[] PolicyGetDigest(uint policySession)
    {
        var response = Run(Tpm2Cc.PolicyGetDigest, [policySession], [], null);
        return Parse(Tpm2Cc.PolicyGetDigest, response, (ref TpmReader r) => r.ReadSized("policyDigest").ToArray());
    }
}
