using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Verifier.Data.Migrations.Postgres
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
                type: "text",
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
