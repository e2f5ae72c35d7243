using Keylime.Shared.Configuration;
using Keylime.Shared.Storage;
using Npgsql;

namespace Keylime.Shared.Tests.Storage;

/// <summary>database_url semantics as Keylime (spec/verifier.md §10.2, spec/registrar.md §9.2).</summary>
public sealed class DatabaseUrlTests
{
    [Fact]
    public void Sqlite_keyword_puts_the_verifier_database_in_keylime_dir()
    {
        var t = DatabaseUrl.ForVerifier(new VerifierOptions { DatabaseUrl = "sqlite", KeylimeDir = "/srv/kl" });

        Assert.Equal(DatabaseProvider.Sqlite, t.Provider);
        Assert.Equal("/srv/kl/cv_data.sqlite", t.SqliteFile);
    }

    [Fact]
    public void Sqlite_keyword_puts_the_registrar_database_in_keylime_dir() =>
        Assert.Equal("/srv/kl/reg_data.sqlite", DatabaseUrl.ForRegistrar(new RegistrarOptions { KeylimeDir = "/srv/kl" }).SqliteFile);

    [Fact]
    public void Sqlite_url_with_four_slashes_is_an_absolute_path() =>
        Assert.Equal("/data/x.sqlite", DatabaseUrl.Parse("sqlite:////data/x.sqlite", "/kl", "cv_data.sqlite").SqliteFile);

    [Fact]
    public void Sqlite_url_with_three_slashes_is_relative_to_keylime_dir() =>
        Assert.Equal("/kl/x.sqlite", DatabaseUrl.Parse("sqlite:///x.sqlite", "/kl", "cv_data.sqlite").SqliteFile);

    [Theory]
    [InlineData("postgresql://keylime:s%40cret@db.example:6543/verifier")]
    [InlineData("postgresql+psycopg2://keylime:s%40cret@db.example:6543/verifier")]
    [InlineData("postgres://keylime:s%40cret@db.example:6543/verifier")]
    public void Postgresql_url_maps_to_an_Npgsql_connection_string(string url)
    {
        var t = DatabaseUrl.Parse(url, "/kl", "cv_data.sqlite");
        var cs = new NpgsqlConnectionStringBuilder(t.ConnectionString);

        Assert.Equal(DatabaseProvider.PostgreSql, t.Provider);
        Assert.Equal(("db.example", 6543, "verifier", "keylime", "s@cret"), (cs.Host, cs.Port, cs.Database, cs.Username, cs.Password));
    }

    [Fact]
    public void Postgresql_query_parameters_become_connection_settings()
    {
        var cs = new NpgsqlConnectionStringBuilder(
            DatabaseUrl.Parse("postgresql://u@h/db?sslmode=require", "/kl", "x").ConnectionString);

        Assert.Equal(SslMode.Require, cs.SslMode);
        Assert.Equal(5432, cs.Port);
    }

    [Fact]
    public void Postgresql_statements_are_prepared_and_pooled_connections_not_reset_unless_the_url_says_otherwise()
    {
        var defaults = new NpgsqlConnectionStringBuilder(DatabaseUrl.Parse("postgresql://u@h/db", "/kl", "x").ConnectionString);
        var overridden = new NpgsqlConnectionStringBuilder(
            DatabaseUrl.Parse("postgresql://u@h/db?max_auto_prepare=0&no_reset_on_close=false", "/kl", "x").ConnectionString);

        Assert.Equal((64, true), (defaults.MaxAutoPrepare, defaults.NoResetOnClose));
        Assert.Equal((0, false), (overridden.MaxAutoPrepare, overridden.NoResetOnClose));
    }

    [Theory]
    [InlineData("mysql+pymysql://u:p@host/registrar?charset=utf8", "'mysql' is not supported")]
    [InlineData("nonsense", "expected 'sqlite'")]
    [InlineData("postgresql://u:p@/db", "expected postgresql://")]
    [InlineData("sqlite://", "expected sqlite:////")]
    public void Unsupported_or_malformed_url_is_a_clear_configuration_error(string url, string expected)
    {
        var e = Assert.Throws<KeylimeConfigException>(() => DatabaseUrl.Parse(url, "/kl", "x", "[verifier] database_url"));

        Assert.StartsWith("invalid configuration: [verifier] database_url = '", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain(":p@", e.Message); // password redacted
    }
}
