using System.Text.Json.Nodes;
using Keylime.Tenant.Output;

namespace Keylime.Tenant.Tests.Output;

/// <summary>Python json.dumps spelling (default separators, ensure_ascii, float repr) and json.loads dict semantics.</summary>
public class PythonJsonTests
{
    [Fact]
    public void Separators_are_comma_space_and_colon_space()
    {
        var node = PythonJson.Loads("{\"a\":1,\"b\":[true,false,null],\"c\":{}}");

        Assert.Equal("{\"a\": 1, \"b\": [true, false, null], \"c\": {}}", PythonJson.Dumps(node));
    }

    [Fact]
    public void Non_ascii_and_control_characters_are_escaped_with_lowercase_hex()
    {
        Assert.Equal("\"\\u00e9\\u20ac\\ud83d\\ude00\\u007f\\u0001\\n\\t\\\"\\\\/\"", PythonJson.Dumps(JsonValue.Create("é€😀\u007f\u0001\n\t\"\\/")));
    }

    [Theory]
    [InlineData("1", "1")]
    [InlineData("-0", "0")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("1.0", "1.0")]
    [InlineData("1.50", "1.5")]
    [InlineData("100000.0", "100000.0")]
    [InlineData("1e5", "100000.0")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("1e16", "1e+16")]
    [InlineData("1234567890123456.0", "1234567890123456.0")]
    [InlineData("1.5e+300", "1.5e+300")]
    [InlineData("-2.5E-7", "-2.5e-07")]
    [InlineData("0.1", "0.1")]
    [InlineData("-0.0", "-0.0")]
    [InlineData("1e400", "Infinity")]
    public void Numbers_are_spelled_as_python_prints_them(string json, string python)
    {
        Assert.Equal(python, PythonJson.Number(json));
    }

    [Fact]
    public void A_repeated_key_keeps_its_first_position_and_last_value()
    {
        Assert.Equal("{\"a\": 3, \"b\": 2}", PythonJson.Dumps(PythonJson.Loads("{\"a\": 1, \"b\": 2, \"a\": 3}")));
    }
}
