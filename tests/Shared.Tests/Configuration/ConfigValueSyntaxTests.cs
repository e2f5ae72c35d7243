using Keylime.Shared.Configuration;

namespace Keylime.Shared.Tests.Configuration;

/// <summary>Keylime's value syntax as configparser + Keylime's helpers read it.</summary>
public sealed class ConfigValueSyntaxTests
{
    [Theory]
    [InlineData("True", true)]
    [InlineData("false", false)]
    [InlineData("yes", true)]
    [InlineData("No", false)]
    [InlineData("on", true)]
    [InlineData("off", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void Booleans_accept_configparser_words(string raw, bool expected) =>
        Assert.Equal(expected, ConfigValues.Bool(raw));

    [Fact]
    public void Strings_lose_surrounding_double_quotes_and_spaces() =>
        Assert.Equal("127.0.0.1", ConfigValues.Str(" \"127.0.0.1\" "));

    [Theory]
    [InlineData("['a', 'b']")]
    [InlineData("[\"a\", \"b\"]")]
    [InlineData("a, b")]
    [InlineData("a,b,")]
    [InlineData("[ 'a' , \"b\" , ]")]
    public void Lists_accept_literals_and_comma_separated_text(string raw) =>
        Assert.Equal(["a", "b"], ConfigValues.List(raw));

    [Fact]
    public void Empty_list_forms_are_empty()
    {
        Assert.Empty(ConfigValues.List("[]")!);
        Assert.Empty(ConfigValues.List("")!);
    }

    [Fact]
    public void Values_keep_equals_signs_and_colons_after_the_first_delimiter()
    {
        var ini = IniFile.Parse("[s]\nurl = postgresql://u:p@h:5432/db?a=b\nk: v=1\n", "t.conf");

        Assert.Equal("postgresql://u:p@h:5432/db?a=b", ini.Entries[0].Value);
        Assert.Equal("v=1", ini.Entries[1].Value);
    }

    [Fact]
    public void Indented_lines_continue_the_previous_value_and_keys_are_case_insensitive()
    {
        var ini = IniFile.Parse("[s]\n; comment\nKey = a,\n   b\n# another\n", "t.conf");

        Assert.Equal(new IniEntry("s", "key", "a,\nb", "t.conf", 3), ini.Entries.Single());
    }

    [Fact]
    public void Json_values_are_parsed() =>
        Assert.Equal(2, ConfigValues.Json("""[{"a": 1}, {"b": 2}]""")!.Value.GetArrayLength());

    [Fact]
    public void Fractional_quote_interval_is_allowed() =>
        Assert.Equal(0.25, ConfigValues.Double("0.25"));

    [Fact]
    public void Default_keyword_is_recognised() =>
        Assert.True(ConfigValues.IsDefault("default") && ConfigValues.IsDefault("") && !ConfigValues.IsDefault("generate"));
}
