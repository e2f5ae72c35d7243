using Keylime.Shared.Security;

namespace Keylime.Shared.Tests.Security;

/// <summary>Nonces, hashing, constant-time compare and Keylime's PoP token format (spec/verifier.md §6.4).</summary>
public sealed class SecretsTests
{
    [Fact]
    public void Random_bytes_have_the_requested_length_and_differ()
    {
        Assert.Equal(16, Secrets.RandomBytes(16).Length);
        Assert.NotEqual(Secrets.RandomHex(16), Secrets.RandomHex(16));
        Assert.Equal(32, Secrets.RandomHex(16).Length);
        Assert.Equal(43, Secrets.RandomBase64Url(32).Length); // no padding
    }

    [Fact]
    public void Base64url_uses_the_url_alphabet_without_padding() =>
        Assert.Equal("-_8", Secrets.Base64Url([0xfb, 0xff]));

    [Fact]
    public void Sha256_hex_matches_the_standard_vector() =>
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Secrets.Sha256Hex("abc"));

    [Fact]
    public void Fixed_time_equals_compares_content()
    {
        Assert.True(Secrets.FixedTimeEquals("token-a", "token-a"));
        Assert.False(Secrets.FixedTimeEquals("token-a", "token-b"));
        Assert.False(Secrets.FixedTimeEquals("token-a", "token-ab"));
    }

    [Fact]
    public void Token_hash_is_Keylimes_PBKDF2_SHA256_with_600000_iterations()
    {
        // Reference value from Python's hashlib.pbkdf2_hmac('sha256', token, salt, 600000, 32).
        Assert.Equal("8bd667954bbe6066c8502c8e71e250a2decd6cdf3b2186c5986608b2c367bd0b",
            SessionTokens.Hash("11111111-2222-4333-8444-555555555555.secret", "000102030405060708090a0b0c0d0e0f"));
    }

    [Fact]
    public void Issued_token_is_session_id_dot_secret_and_verifies_against_its_stored_hash()
    {
        var t = SessionTokens.Issue();

        Assert.Equal(t.SessionId, SessionTokens.SessionIdOf(t.Token));
        Assert.True(Guid.TryParse(t.SessionId, out _));
        Assert.Equal(32, t.SaltHex.Length);
        Assert.True(SessionTokens.Verify(t.Token, t.SaltHex, t.HashHex));
        Assert.False(SessionTokens.Verify(t.Token + "x", t.SaltHex, t.HashHex));
        Assert.False(SessionTokens.Verify(t.Token, t.SaltHex, "not-hex"));
    }

    [Theory]
    [InlineData("nodot")]
    [InlineData(".secret")]
    [InlineData("id.")]
    public void Malformed_tokens_have_no_session_id(string token) => Assert.Null(SessionTokens.SessionIdOf(token));
}
