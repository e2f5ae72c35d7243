using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Registrar.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class InitialRegistrar : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "registrarmain",
                columns: table => new
                {
                    agent_id = table.Column<string>(type: "text", nullable: false),
                    key = table.Column<string>(type: "text", nullable: true),
                    aik_tpm = table.Column<string>(type: "text", nullable: true),
                    ek_tpm = table.Column<string>(type: "text", nullable: true),
                    ekcert = table.Column<string>(type: "text", nullable: true),
                    iak_tpm = table.Column<string>(type: "text", nullable: true),
                    idevid_tpm = table.Column<string>(type: "text", nullable: true),
                    iak_cert = table.Column<string>(type: "text", nullable: true),
                    idevid_cert = table.Column<string>(type: "text", nullable: true),
                    mtls_cert = table.Column<string>(type: "text", nullable: true),
                    ip = table.Column<string>(type: "text", nullable: true),
                    port = table.Column<int>(type: "integer", nullable: true),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    @virtual = table.Column<bool>(name: "virtual", type: "boolean", nullable: true),
                    provider_keys = table.Column<string>(type: "text", nullable: true),
                    regcount = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_registrarmain", x => x.agent_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "registrarmain");
        }
    }
}
