using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The MakeCredential output the agent activates: TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET bodies.
/// Accepts the registrar's container (u32 0xBADCC0DE, u32 version 1, then both TPM2Bs;
/// spec/registrar.md §6) or the two TPM2Bs alone.
/// </summary>
public sealed record CredentialBlob(byte[] IdObject, byte[] EncryptedSecret)
{
    public const uint Magic = 0xBADCC0DE;

    public static CredentialBlob Parse(ReadOnlySpan<byte> blob)
    {
        var r = new TpmReader(blob);
        if (blob.Length >= 8 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob) == Magic)
        {
            r.ReadUInt32();
            var version = r.ReadUInt32();
            if (version != 1)
            {
                throw new TpmFormatException($"credential container version {version}, expected 1");
            }
        }

        var idObject = r.ReadSized("TPM2B_ID_OBJECT").ToArray();
        var secret = r.ReadSized("TPM2B_ENCRYPTED_SECRET").ToArray();
        r.ExpectEnd("credential blob");
        return new CredentialBlob(idObject, secret);
    }
}
