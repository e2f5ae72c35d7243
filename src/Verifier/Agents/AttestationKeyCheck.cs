using Keylime.Shared.Tpm;

namespace Keylime.Verifier.Agents;

/// <summary>Decides whether enrollment's <c>ak_tpm</c> is an attestation key: returns the reason when not.</summary>
public interface IAttestationKeyCheck
{
    string? Refuse(ReadOnlySpan<byte> tpm2bPublic);
}

/// <summary>
/// AK policy (TPM 2.0 Part 1 §25): a restricted signing key that never leaves its TPM
/// (fixedTPM, fixedParent, sensitiveDataOrigin, no decrypt), RSA or ECC, with a well-formed
/// TPM2B_PUBLIC that is consumed exactly.
/// </summary>
public sealed class AttestationKeyCheck : IAttestationKeyCheck
{
    private const ushort AlgRsa = 0x0001;
    private const ushort AlgEcc = 0x0023;
    private const ushort AlgNull = 0x0010;

    private const uint FixedTpm = 1u << 1;
    private const uint FixedParent = 1u << 4;
    private const uint SensitiveDataOrigin = 1u << 5;
    private const uint Restricted = 1u << 16;
    private const uint Decrypt = 1u << 17;
    private const uint Sign = 1u << 18;

    public string? Refuse(ReadOnlySpan<byte> tpm2bPublic)
    {
        try
        {
            var outer = new TpmReader(tpm2bPublic);
            var body = outer.ReadSized("TPM2B_PUBLIC");
            outer.ExpectEnd("TPM2B_PUBLIC");
            var reader = new TpmReader(body);
            var type = reader.ReadUInt16();
            reader.ReadUInt16(); // nameAlg
            var attributes = reader.ReadUInt32();
            reader.ReadSized("authPolicy");
            if (type == AlgRsa)
            {
                SkipSymmetricAndScheme(ref reader);
                reader.ReadUInt16(); // keyBits
                reader.ReadUInt32(); // exponent
                reader.ReadSized("unique.rsa");
            }
            else if (type == AlgEcc)
            {
                SkipSymmetricAndScheme(ref reader);
                reader.ReadUInt16(); // curveID
                SkipScheme(ref reader); // kdf
                reader.ReadSized("unique.ecc.x");
                reader.ReadSized("unique.ecc.y");
            }
            else
            {
                return $"key type 0x{type:x4} is neither RSA nor ECC";
            }

            reader.ExpectEnd("TPMT_PUBLIC");
            return RefuseAttributes(attributes);
        }
        catch (TpmFormatException e)
        {
            return $"not a TPM2B_PUBLIC: {e.Message}";
        }
    }

    private static string? RefuseAttributes(uint attributes)
    {
        const uint required = FixedTpm | FixedParent | SensitiveDataOrigin | Restricted | Sign;
        if ((attributes & required) != required)
        {
            return $"objectAttributes 0x{attributes:x8} lack restricted/sign/fixedTPM/fixedParent/sensitiveDataOrigin";
        }

        return (attributes & Decrypt) != 0 ? $"objectAttributes 0x{attributes:x8} allow decryption" : null;
    }

    private static void SkipSymmetricAndScheme(ref TpmReader reader)
    {
        if (reader.ReadUInt16() != AlgNull)
        {
            reader.ReadUInt16(); // keyBits
            reader.ReadUInt16(); // mode
        }

        SkipScheme(ref reader);
    }

    private static void SkipScheme(ref TpmReader reader)
    {
        if (reader.ReadUInt16() != AlgNull)
        {
            reader.ReadUInt16(); // hashAlg
        }
    }
}
