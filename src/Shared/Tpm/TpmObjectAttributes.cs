namespace Keylime.Shared.Tpm;

/// <summary>TPMA_OBJECT bits (TPM 2.0 Part 2 §8.3; spec/tpm.md §2.5).</summary>
[Flags]
public enum TpmObjectAttributes : uint
{
    None = 0,
    FixedTpm = 0x00000002,
    StClear = 0x00000004,
    FixedParent = 0x00000010,
    SensitiveDataOrigin = 0x00000020,
    UserWithAuth = 0x00000040,
    AdminWithPolicy = 0x00000080,
    NoDa = 0x00000400,
    EncryptedDuplication = 0x00000800,
    Restricted = 0x00010000,
    Decrypt = 0x00020000,
    Sign = 0x00040000,
}
