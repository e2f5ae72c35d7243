namespace Keylime.Shared.Tpm;

/// <summary>
/// The MakeCredential output in the container tpm2-tools, Keylime's registrar and rust-keylime share
/// (spec/tpm.md §3.8, spec/registrar.md §6): BE u32 0xBADCC0DE, BE u32 version 1,
/// TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET. The registrar sends it base64-encoded.
/// </summary>
public sealed record CredentialBlob(byte[] IdObject, byte[] EncryptedSecret)
{
    public const uint Magic = 0xBADCC0DE;

    public const uint Version = 1;

    /// <summary>The container bytes (what tpm2_activatecredential reads with <c>-i</c>).</summary>
    public byte[] ToBytes() =>
        new TpmWriter(16 + IdObject.Length + EncryptedSecret.Length)
            .WriteUInt32(Magic).WriteUInt32(Version)
            .WriteSized(IdObject).WriteSized(EncryptedSecret)
            .ToArray();

    /// <summary>Standard base64 with padding: the registrar's <c>blob</c> field (starts <c>utzA3gAAAAEA</c>).</summary>
    public string ToBase64() => Convert.ToBase64String(ToBytes());

    public static CredentialBlob Parse(ReadOnlySpan<byte> container)
    {
        var reader = new TpmReader(container);
        var magic = reader.ReadUInt32();
        if (magic != Magic)
        {
            throw new TpmFormatException($"credential container magic 0x{magic:x8} is not 0xbadcc0de");
        }

        var version = reader.ReadUInt32();
        if (version != Version)
        {
            throw new TpmFormatException($"credential container version {version} is not 1");
        }

        var idObject = reader.ReadSized("TPM2B_ID_OBJECT").ToArray();
        var secret = reader.ReadSized("TPM2B_ENCRYPTED_SECRET").ToArray();
        reader.ExpectEnd("credential container");
        return new CredentialBlob(idObject, secret);
    }
}
