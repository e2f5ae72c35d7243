using CsCheck;
using Keylime.Shared.Ima;

namespace Keylime.Shared.Tests.Ima;

/// <summary>The replay's hex decoder reads validated hex exactly as <see cref="Convert.FromHexString(string)"/> does.</summary>
public class ImaHexTests
{
    [Fact]
    public void Hex_of_any_length_and_case_decodes_as_the_framework_does()
    {
        var gen = from bytes in Gen.Byte.Array[0, 200]
                  from upper in Gen.Bool.Array[bytes.Length * 2]
                  select (bytes, upper);
        gen.Sample(
            c =>
            {
                var hex = new string(Convert.ToHexStringLower(c.bytes).Select((ch, i) => c.upper[i] ? char.ToUpperInvariant(ch) : ch).ToArray());
                var decoded = new byte[c.bytes.Length + 3];
                Assert.Equal(c.bytes.Length, ImaHex.Decode(hex, decoded));
                Assert.Equal(Convert.FromHexString(hex), decoded[..c.bytes.Length]);
                Assert.Equal([0, 0, 0], decoded[c.bytes.Length..]);
            },
            iter: 10_000);
    }

    [Fact]
    public void Every_hex_digit_decodes_in_every_position_of_a_vector_step()
    {
        const string digits = "0123456789abcdefABCDEF";
        for (var position = 0; position < 64; position++)
        {
            foreach (var digit in digits)
            {
                var hex = new string('0', 64).ToCharArray();
                hex[position] = digit;
                var decoded = new byte[32];
                ImaHex.Decode(hex, decoded);
                Assert.Equal(Convert.FromHexString(new string(hex)), decoded);
            }
        }
    }

    [Fact]
    public void A_destination_shorter_than_the_decoded_bytes_is_refused_not_overrun()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ImaHex.Decode(new string('a', 64), new byte[31]));
    }
}
