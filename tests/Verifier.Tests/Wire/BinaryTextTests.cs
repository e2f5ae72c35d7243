using Keylime.Verifier.Api;

namespace Keylime.Verifier.Tests.Wire;

/// <summary>Binary values in JSON (spec/verifier.md §3): base64 first, then hex with or without <c>0x</c>.</summary>
public sealed class BinaryTextTests
{
    [Theory]
    [InlineData("AQID", new byte[] { 1, 2, 3 })]
    [InlineData("AQI=", new byte[] { 1, 2 })]
    [InlineData("AQ==", new byte[] { 1 })]
    [InlineData("  AQID\n", new byte[] { 1, 2, 3 })]
    [InlineData("AQ  ID  AQ==", new byte[] { 1, 2, 3, 1 })] // whitespace inside, as base64 allows: 12 characters, 4 bytes
    [InlineData("0x0a0B", new byte[] { 10, 11 })]
    [InlineData("0a0b0c", new byte[] { 10, 11, 12 })] // not a multiple of 4: hex
    [InlineData("abcd", new byte[] { 0x69, 0xB7, 0x1D })] // hex that is also base64 decodes as base64, as in Keylime
    public void Base64_and_hex_decode_to_exactly_their_bytes(string text, byte[] expected)
    {
        Assert.True(BinaryText.TryDecode(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("A===")]
    [InlineData("AQ=I")]
    [InlineData("0x")]
    [InlineData("xyz")]
    [InlineData("0x0gg")]
    public void Anything_else_is_not_binary(string? text) => Assert.False(BinaryText.TryDecode(text, out _));
}
