using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// What ActivateCredential accepts: the registrar's container (u32 0xBADCC0DE, u32 1, TPM2B_ID_OBJECT,
/// TPM2B_ENCRYPTED_SECRET; spec/registrar.md §6) or the two TPM2Bs alone.
/// </summary>
public static class CredentialInput
{
    public static CredentialBlob Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length >= 4 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob) == CredentialBlob.Magic)
        {
            return CredentialBlob.Parse(blob);
        }

        var r = new TpmReader(blob);
        var idObject = r.ReadSized("TPM2B_ID_OBJECT").ToArray();
        var secret = r.ReadSized("TPM2B_ENCRYPTED_SECRET").ToArray();
        r.ExpectEnd("credential blob");
        return new CredentialBlob(idObject, secret);
    }
}
