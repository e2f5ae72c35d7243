using System.Security.Cryptography;

namespace Keylime.Shared.Ima;

/// <summary>
/// The hash algorithms a PCR bank or an IMA template-hash column can use (spec §1.4). The same four
/// banks Keylime accepts for quotes; SM3 is deliberately absent because .NET cannot compute it.
/// </summary>
public enum ImaHashAlgorithm
{
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

public static class ImaHashAlgorithms
{
    /// <summary>Digest size in bytes.</summary>
    public static int Size(this ImaHashAlgorithm alg) => alg switch
    {
        ImaHashAlgorithm.Sha1 => 20,
        ImaHashAlgorithm.Sha256 => 32,
        ImaHashAlgorithm.Sha384 => 48,
        ImaHashAlgorithm.Sha512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    /// <summary>Keylime's lowercase name (<c>sha256</c>).</summary>
    public static string Name(this ImaHashAlgorithm alg) => alg switch
    {
        ImaHashAlgorithm.Sha1 => "sha1",
        ImaHashAlgorithm.Sha256 => "sha256",
        ImaHashAlgorithm.Sha384 => "sha384",
        ImaHashAlgorithm.Sha512 => "sha512",
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    /// <summary>TPM_ALG_ID of the bank (TPM 2.0 Part 2 §6.3).</summary>
    public static ushort TpmAlgorithmId(this ImaHashAlgorithm alg) => alg switch
    {
        ImaHashAlgorithm.Sha1 => 0x0004,
        ImaHashAlgorithm.Sha256 => 0x000B,
        ImaHashAlgorithm.Sha384 => 0x000C,
        ImaHashAlgorithm.Sha512 => 0x000D,
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };

    public static bool TryParse(ReadOnlySpan<char> name, out ImaHashAlgorithm alg)
    {
        switch (name)
        {
            case "sha1": alg = ImaHashAlgorithm.Sha1; return true;
            case "sha256": alg = ImaHashAlgorithm.Sha256; return true;
            case "sha384": alg = ImaHashAlgorithm.Sha384; return true;
            case "sha512": alg = ImaHashAlgorithm.Sha512; return true;
            default: alg = default; return false;
        }
    }

    public static bool TryFromTpmAlgorithmId(ushort id, out ImaHashAlgorithm alg)
    {
        switch (id)
        {
            case 0x0004: alg = ImaHashAlgorithm.Sha1; return true;
            case 0x000B: alg = ImaHashAlgorithm.Sha256; return true;
            case 0x000C: alg = ImaHashAlgorithm.Sha384; return true;
            case 0x000D: alg = ImaHashAlgorithm.Sha512; return true;
            default: alg = default; return false;
        }
    }

    // SHA-1 is what the protocol uses here (IMA template hashes, SHA-1 PCR banks), not a choice of ours.
#pragma warning disable CA5350
    /// <summary>One-shot hash into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Hash(this ImaHashAlgorithm alg, ReadOnlySpan<byte> data, Span<byte> destination) => alg switch
    {
        ImaHashAlgorithm.Sha1 => SHA1.HashData(data, destination),
        ImaHashAlgorithm.Sha256 => SHA256.HashData(data, destination),
        ImaHashAlgorithm.Sha384 => SHA384.HashData(data, destination),
        ImaHashAlgorithm.Sha512 => SHA512.HashData(data, destination),
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };
#pragma warning restore CA5350

    public static byte[] HashToArray(this ImaHashAlgorithm alg, ReadOnlySpan<byte> data)
    {
        var result = new byte[alg.Size()];
        alg.Hash(data, result);
        return result;
    }

    /// <summary>PCR extend: <c>pcr := H(pcr || digest)</c>, in place. Both spans are bank-sized.</summary>
    public static void Extend(this ImaHashAlgorithm alg, Span<byte> pcr, ReadOnlySpan<byte> digest)
    {
        Span<byte> joined = stackalloc byte[128];
        pcr.CopyTo(joined);
        digest.CopyTo(joined[pcr.Length..]);
        alg.Hash(joined[..(pcr.Length + digest.Length)], pcr);
    }

    public static HashAlgorithmName ToHashAlgorithmName(this ImaHashAlgorithm alg) => alg switch
    {
        ImaHashAlgorithm.Sha1 => HashAlgorithmName.SHA1,
        ImaHashAlgorithm.Sha256 => HashAlgorithmName.SHA256,
        ImaHashAlgorithm.Sha384 => HashAlgorithmName.SHA384,
        ImaHashAlgorithm.Sha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(alg)),
    };
}
