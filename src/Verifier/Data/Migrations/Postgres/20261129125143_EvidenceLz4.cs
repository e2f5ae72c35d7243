using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Verifier.Data.Migrations.Postgres
{
    /// <summary>
    /// The evidence column compresses with LZ4 instead of PostgreSQL's default pglz. An attestation's evidence
    /// (2–3 kB for a quote) is compressed on every evidence PATCH; with pglz that was about half of the statement's
    /// time (bench/README.md). Only new values use it; stored ones stay readable. A server built without LZ4
    /// (or older than PostgreSQL 14) keeps pglz and says so in a notice: the schema is the same either way.
    /// </summary>
    public partial class EvidenceLz4 : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql(Compression("lz4"));

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql(Compression("DEFAULT"));

        /// <summary>Sets the column's compression method, or leaves it and raises a notice where the server cannot use it.</summary>
        internal static string Compression(string method) => $$"""
            DO $$
            BEGIN
                EXECUTE 'ALTER TABLE attestations ALTER COLUMN evidence SET COMPRESSION {{method}}';
            EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN
                RAISE NOTICE 'attestations.evidence keeps the default compression: %', SQLERRM;
            END
            $$;
            """;
    }
}
