using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Security;

/// <summary>Nonces, random identifiers, hashing and comparison that do not leak timing.</summary>
public static class Secrets
{
    /// <summary>Cryptographically random bytes.</summary>
    public static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);

    /// <summary>Random bytes as lower-case hex (e.g. a 16-byte salt → 32 chars).</summary>
    public static string RandomHex(int byteCount) => Convert.ToHexStringLower(RandomBytes(byteCount));

    /// <summary>Random bytes as base64url without padding.</summary>
    public static string RandomBase64Url(int byteCount) => Base64Url(RandomBytes(byteCount));

    /// <summary>base64url (RFC 4648 §5) without '=' padding.</summary>
    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Lower-case hex SHA-256 of the UTF-8 text.</summary>
    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Equality of two strings in time independent of where they differ (lengths may leak).</summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    /// <summary>Equality of two byte strings in time independent of where they differ.</summary>
    public static bool FixedTimeEquals(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => CryptographicOperations.FixedTimeEquals(a, b);
}
