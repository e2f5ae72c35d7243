using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Security;

/// <summary>A freshly minted PoP session token and what the database keeps of it.</summary>
/// <param name="Token">Given to the agent once: <c>&lt;session_id&gt;.&lt;secret&gt;</c>.</param>
/// <param name="SaltHex">16 random bytes, hex (column <c>token_salt</c>).</param>
/// <param name="HashHex">Keylime's PBKDF2 hash of the token, hex (column <c>token_hash</c>).</param>
public sealed record IssuedToken(string SessionId, string Token, string SaltHex, string HashHex);

/// <summary>
/// Verifier PoP bearer tokens in Keylime's format (spec/verifier.md §6.4): token =
/// <c>session_id.secret</c> with a UUIDv4 session id and 32 random bytes base64url; at rest only a
/// salt and hex(PBKDF2-HMAC-SHA256(token, salt, 600 000 iterations, 32 bytes)), so a database
/// shared with Keylime's verifier reads the same rows. PBKDF2 is slow on purpose; the hot path
/// should compare against a cached <see cref="Secrets.Sha256Hex"/> of the token instead and
/// fall back to <see cref="Verify"/> on a cache miss.
/// </summary>
public static class SessionTokens
{
    public const int Pbkdf2Iterations = 600_000;

    /// <summary>Mints a token for a new session.</summary>
    public static IssuedToken Issue()
    {
        var sessionId = Guid.NewGuid().ToString();
        var token = sessionId + "." + Secrets.RandomBase64Url(32);
        var salt = Secrets.RandomHex(16);
        return new IssuedToken(sessionId, token, salt, Hash(token, salt));
    }

    /// <summary>The session id part of a token, or null when the token is not <c>id.secret</c>.</summary>
    public static string? SessionIdOf(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot < token.Length - 1 ? token[..dot] : null;
    }

    /// <summary>Keylime's at-rest hash of a token.</summary>
    public static string Hash(string token, string saltHex) =>
        Convert.ToHexStringLower(Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(token), Convert.FromHexString(saltHex), Pbkdf2Iterations, HashAlgorithmName.SHA256, 32));

    /// <summary>Whether <paramref name="token"/> matches the stored salt and hash (constant-time compare).</summary>
    public static bool Verify(string token, string saltHex, string hashHex)
    {
        try
        {
            return Secrets.FixedTimeEquals(Convert.FromHexString(Hash(token, saltHex)), Convert.FromHexString(hashHex));
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
