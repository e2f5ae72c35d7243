using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>TPM_ALG_ID values (TPM 2.0 Part 2 §6.3; spec/tpm.md §2.1).</summary>
public enum TpmAlg : ushort
{
    Error = 0x0000,
    Rsa = 0x0001,
    Sha1 = 0x0004,
    Hmac = 0x0005,
    Aes = 0x0006,
    Mgf1 = 0x0007,
    KeyedHash = 0x0008,
    Xor = 0x000A,
    Sha256 = 0x000B,
    Sha384 = 0x000C,
    Sha512 = 0x000D,
    Null = 0x0010,
    Sm3_256 = 0x0012,
    Sm4 = 0x0013,
    RsaSsa = 0x0014,
    RsaEs = 0x0015,
    RsaPss = 0x0016,
    Oaep = 0x0017,
    EcDsa = 0x0018,
    EcDh = 0x0019,
    EcDaa = 0x001A,
    Sm2 = 0x001B,
    EcSchnorr = 0x001C,
    Kdf1Sp800_56A = 0x0020,
    Kdf1Sp800_108 = 0x0022,
    Ecc = 0x0023,
    SymCipher = 0x0025,
    Ctr = 0x0040,
    Ofb = 0x0041,
    Cbc = 0x0042,
    Cfb = 0x0043,
    Ecb = 0x0044,
}

/// <summary>TPM_ECC_CURVE values (spec/tpm.md §2.2).</summary>
public enum TpmEccCurve : ushort
{
    None = 0x0000,
    NistP192 = 0x0001,
    NistP224 = 0x0002,
    NistP256 = 0x0003,
    NistP384 = 0x0004,
    NistP521 = 0x0005,
    BnP256 = 0x0010,
    BnP638 = 0x0011,
    Sm2P256 = 0x0020,
}

/// <summary>Hash algorithms the stack can compute, and their TPM ↔ .NET mapping.</summary>
/// <remarks>SHA-1 is here because TPMs have SHA-1 PCR banks and SHA-1 AK schemes that Keylime accepts;
/// it is what the wire says, not a choice we make.</remarks>
#pragma warning disable CA5350 // SHA-1 is a TPM wire algorithm (sha1 PCR bank, RSASSA-SHA1 AKs)
public static class TpmHash
{
    /// <summary>True for SHA-1/256/384/512, the banks and signature hashes Keylime supports.</summary>
    public static bool IsSupported(TpmAlg alg) =>
        alg is TpmAlg.Sha1 or TpmAlg.Sha256 or TpmAlg.Sha384 or TpmAlg.Sha512;

    /// <summary>Digest size in bytes, or 0 for an algorithm that is not a known hash.</summary>
    public static int DigestSize(TpmAlg alg) => alg switch
    {
        TpmAlg.Sha1 => 20,
        TpmAlg.Sha256 or TpmAlg.Sm3_256 => 32,
        TpmAlg.Sha384 => 48,
        TpmAlg.Sha512 => 64,
        _ => 0,
    };

    public static HashAlgorithmName ToName(TpmAlg alg) => alg switch
    {
        TpmAlg.Sha1 => HashAlgorithmName.SHA1,
        TpmAlg.Sha256 => HashAlgorithmName.SHA256,
        TpmAlg.Sha384 => HashAlgorithmName.SHA384,
        TpmAlg.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new TpmFormatException($"hash algorithm 0x{(ushort)alg:x4} is not supported"),
    };

    /// <summary>Keylime's name for a hash (<c>sha256</c>), or null if unknown.</summary>
    public static string? KeylimeName(TpmAlg alg) => alg switch
    {
        TpmAlg.Sha1 => "sha1",
        TpmAlg.Sha256 => "sha256",
        TpmAlg.Sha384 => "sha384",
        TpmAlg.Sha512 => "sha512",
        TpmAlg.Sm3_256 => "sm3_256",
        _ => null,
    };

    /// <summary>Parses Keylime's hash name (<c>sha256</c>, case-insensitive).</summary>
    public static TpmAlg? FromKeylimeName(string? name) => name?.ToLowerInvariant() switch
    {
        "sha1" => TpmAlg.Sha1,
        "sha256" => TpmAlg.Sha256,
        "sha384" => TpmAlg.Sha384,
        "sha512" => TpmAlg.Sha512,
        "sm3_256" => TpmAlg.Sm3_256,
        _ => null,
    };

    public static byte[] Hash(TpmAlg alg, ReadOnlySpan<byte> data) => alg switch
    {
        TpmAlg.Sha1 => SHA1.HashData(data),
        TpmAlg.Sha256 => SHA256.HashData(data),
        TpmAlg.Sha384 => SHA384.HashData(data),
        TpmAlg.Sha512 => SHA512.HashData(data),
        _ => throw new TpmFormatException($"hash algorithm 0x{(ushort)alg:x4} is not supported"),
    };

    /// <summary>Hashes into <paramref name="destination"/> and returns the digest length.</summary>
    public static int Hash(TpmAlg alg, ReadOnlySpan<byte> data, Span<byte> destination) => alg switch
    {
        TpmAlg.Sha1 => SHA1.HashData(data, destination),
        TpmAlg.Sha256 => SHA256.HashData(data, destination),
        TpmAlg.Sha384 => SHA384.HashData(data, destination),
        TpmAlg.Sha512 => SHA512.HashData(data, destination),
        _ => throw new TpmFormatException($"hash algorithm 0x{(ushort)alg:x4} is not supported"),
    };

    public static byte[] Hmac(TpmAlg alg, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => alg switch
    {
        TpmAlg.Sha1 => HMACSHA1.HashData(key, data),
        TpmAlg.Sha256 => HMACSHA256.HashData(key, data),
        TpmAlg.Sha384 => HMACSHA384.HashData(key, data),
        TpmAlg.Sha512 => HMACSHA512.HashData(key, data),
        _ => throw new TpmFormatException($"hash algorithm 0x{(ushort)alg:x4} is not supported"),
    };

    /// <summary>An incremental hash for the algorithm.</summary>
    public static IncrementalHash CreateIncremental(TpmAlg alg) => IncrementalHash.CreateHash(ToName(alg));
}
#pragma warning restore CA5350
