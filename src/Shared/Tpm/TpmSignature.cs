namespace Keylime.Shared.Tpm;

/// <summary>
/// TPMT_SIGNATURE (spec/tpm.md §3.7): RSASSA/RSAPSS carry one TPM2B, ECDSA-family schemes r and s,
/// HMAC a TPMT_HA, NULL nothing.
/// </summary>
public sealed class TpmSignature
{
    public required TpmAlg SigAlg { get; init; }

    /// <summary>The hash the signature was made over (NULL for a NULL signature).</summary>
    public TpmAlg Hash { get; init; } = TpmAlg.Null;

    /// <summary>RSA signature bytes (big-endian), or the HMAC digest.</summary>
    public byte[] Signature { get; init; } = [];

    /// <summary>ECDSA r (unsigned big-endian; may be shorter than the curve size).</summary>
    public byte[] R { get; init; } = [];

    /// <summary>ECDSA s (unsigned big-endian).</summary>
    public byte[] S { get; init; } = [];

    public bool IsRsa => SigAlg is TpmAlg.RsaSsa or TpmAlg.RsaPss;

    public bool IsEcc => SigAlg is TpmAlg.EcDsa or TpmAlg.EcDaa or TpmAlg.Sm2 or TpmAlg.EcSchnorr;

    public static TpmSignature Parse(ReadOnlySpan<byte> data)
    {
        var reader = new TpmReader(data);
        var signature = Read(ref reader);
        reader.ExpectEnd("TPMT_SIGNATURE");
        return signature;
    }

    /// <summary>Reads a TPMT_SIGNATURE inside a larger structure (a Quote or Certify response).</summary>
    public static TpmSignature Read(ref TpmReader reader)
    {
        var sigAlg = (TpmAlg)reader.ReadUInt16();
        switch (sigAlg)
        {
            case TpmAlg.Null:
                return new TpmSignature { SigAlg = sigAlg };
            case TpmAlg.RsaSsa or TpmAlg.RsaPss:
                return new TpmSignature
                {
                    SigAlg = sigAlg, Hash = (TpmAlg)reader.ReadUInt16(), Signature = reader.ReadSized(512, "RSA signature").ToArray(),
                };
            case TpmAlg.EcDsa or TpmAlg.EcDaa or TpmAlg.Sm2 or TpmAlg.EcSchnorr:
                return new TpmSignature
                {
                    SigAlg = sigAlg, Hash = (TpmAlg)reader.ReadUInt16(),
                    R = reader.ReadSized(128, "ECDSA r").ToArray(), S = reader.ReadSized(128, "ECDSA s").ToArray(),
                };
            case TpmAlg.Hmac:
                var hash = (TpmAlg)reader.ReadUInt16();
                var size = TpmHash.DigestSize(hash);
                if (size == 0)
                {
                    throw new TpmFormatException($"unknown HMAC hash 0x{(ushort)hash:x4}");
                }

                return new TpmSignature { SigAlg = sigAlg, Hash = hash, Signature = reader.ReadBytes(size, "HMAC").ToArray() };
            default:
                throw new TpmFormatException($"unknown signature algorithm 0x{(ushort)sigAlg:x4}");
        }
    }

    public byte[] ToBytes()
    {
        var writer = new TpmWriter(16 + Signature.Length + R.Length + S.Length);
        writer.WriteUInt16((ushort)SigAlg);
        if (SigAlg == TpmAlg.Null)
        {
            return writer.ToArray();
        }

        writer.WriteUInt16((ushort)Hash);
        if (IsRsa)
        {
            writer.WriteSized(Signature);
        }
        else if (IsEcc)
        {
            writer.WriteSized(R).WriteSized(S);
        }
        else
        {
            writer.WriteBytes(Signature);
        }

        return writer.ToArray();
    }
}
