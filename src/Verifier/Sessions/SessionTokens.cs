using System.Security.Cryptography;
using System.Text;
using Keylime.Shared.Security;
using Keylime.Verifier.Data;
using Keylime.Verifier.Identity;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Sessions;

/// <summary>
/// PoP bearer tokens <c>&lt;session_id&gt;.&lt;secret&gt;</c> (spec/verifier.md §6.4). The secret is 32
/// random bytes (256 bits), so the database keeps only its SHA-256: a guessable password would need a
/// slow hash, a random secret does not — Keylime's 600,000-round PBKDF2 costs ~0.1 s of CPU per
/// check for no gain. Lookup is by session id (primary key), then a fixed-time hash comparison.
/// </summary>
public static class PopTokens
{
    public const int SecretBytes = 32;

    public static (string Token, string Hash) Issue(Guid sessionId)
    {
        var secret = Secrets.RandomBase64Url(SecretBytes);
        return ($"{sessionId:D}.{secret}", HashSecret(secret));
    }

    public static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Splits at the first '.'; the left part must be a UUID.</summary>
    public static bool TryParse(string token, out Guid sessionId, out string secret)
    {
        sessionId = Guid.Empty;
        secret = "";
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == token.Length - 1 || !Guid.TryParse(token.AsSpan(0, dot), out sessionId))
        {
            return false;
        }

        secret = token[(dot + 1)..];
        return true;
    }

    public static bool Matches(string secret, string storedHash)
    {
        Span<byte> expected = stackalloc byte[32];
        return Convert.FromHexString(storedHash, expected, out _, out var written) == System.Buffers.OperationStatus.Done
               && written == 32
               && Matches(secret, expected);
    }

    /// <summary>The secret's SHA-256 against a stored hash, compared in fixed time.</summary>
    public static bool Matches(string secret, ReadOnlySpan<byte> storedHash)
    {
        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), actual);
        return CryptographicOperations.FixedTimeEquals(actual, storedHash);
    }
}

/// <summary>
/// Resolves a bearer token against the sessions table (so tokens survive restarts and work on every
/// verifier instance sharing the database), through <see cref="TokenCache"/>. Valid = active and not
/// expired; an agent that was deleted has no sessions left (deletion revokes them), so its token is
/// unknown → 401.
/// </summary>
public sealed class DatabaseTokenValidator(IServiceScopeFactory scopes, TokenCache cache, TimeProvider time) : IAgentTokenValidator
{
    public async ValueTask<TokenVerdict> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!PopTokens.TryParse(token, out var sessionId, out var secret))
        {
            return TokenVerdict.Refused(TokenRefusals.Unknown);
        }

        if (cache.Find(sessionId, secret) is { } cached)
        {
            return TokenVerdict.For(cached);
        }

        var epoch = cache.Epoch;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        var session = await db.Sessions.AsNoTracking()
            .Where(s => s.SessionId == sessionId)
            .Select(s => new { s.AgentId, s.TokenHash, s.Active, s.TokenExpiresAt })
            .FirstOrDefaultAsync(cancellationToken);
        if (session is null || !PopTokens.Matches(secret, session.TokenHash))
        {
            return TokenVerdict.Refused(TokenRefusals.Unknown);
        }

        if (!session.Active)
        {
            return TokenVerdict.Refused(TokenRefusals.Inactive);
        }

        if (session.TokenExpiresAt is not { } expires || expires < time.GetUtcNow().UtcDateTime)
        {
            return TokenVerdict.Refused(TokenRefusals.Expired);
        }

        cache.Add(sessionId, session.AgentId, session.TokenHash, expires, epoch);
        return TokenVerdict.For(session.AgentId);
    }
}
