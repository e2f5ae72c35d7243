using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Verifier.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AttestationFailureDetail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "failure_detail",
                table: "attestations",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "failure_detail",
                table: "attestations");
        }
    }
}
