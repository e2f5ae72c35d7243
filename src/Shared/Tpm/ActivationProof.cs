using System.Security.Cryptography;
using System.Text;

namespace Keylime.Shared.Tpm;

/// <summary>
/// The registrar's proof that the agent activated the credential (spec/registrar.md §7, spec/tpm.md §5.6):
/// auth_tag = lower-case hex(HMAC-SHA384(key = ASCII of base64(credential), message = UTF-8 agent id)).
/// </summary>
public static class ActivationProof
{
    /// <summary>The registrar's stored <c>key</c>: standard base64 of the credential bytes.</summary>
    public static string KeyFor(ReadOnlySpan<byte> credential) => Convert.ToBase64String(credential);

    /// <summary>auth_tag for a stored base64 key (what the agent computes after ActivateCredential).</summary>
    public static string AuthTag(string storedKeyBase64, string agentId) =>
        Convert.ToHexStringLower(HMACSHA384.HashData(Encoding.ASCII.GetBytes(storedKeyBase64), Encoding.UTF8.GetBytes(agentId)));

    /// <summary>Constant-time, case-sensitive comparison of a submitted auth_tag with the expected one.</summary>
    public static bool Verify(string storedKeyBase64, string agentId, string? authTag)
    {
        if (authTag is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(AuthTag(storedKeyBase64, agentId));
        var submitted = Encoding.UTF8.GetBytes(authTag);
        return CryptographicOperations.FixedTimeEquals(expected, submitted);
    }
}
