using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Registrar.Storage.Migrations.Sqlite
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
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", nullable: true),
                    aik_tpm = table.Column<string>(type: "TEXT", nullable: true),
                    ek_tpm = table.Column<string>(type: "TEXT", nullable: true),
                    ekcert = table.Column<string>(type: "TEXT", nullable: true),
                    iak_tpm = table.Column<string>(type: "TEXT", nullable: true),
                    idevid_tpm = table.Column<string>(type: "TEXT", nullable: true),
                    iak_cert = table.Column<string>(type: "TEXT", nullable: true),
                    idevid_cert = table.Column<string>(type: "TEXT", nullable: true),
                    mtls_cert = table.Column<string>(type: "TEXT", nullable: true),
                    ip = table.Column<string>(type: "TEXT", nullable: true),
                    port = table.Column<int>(type: "INTEGER", nullable: true),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    @virtual = table.Column<bool>(name: "virtual", type: "INTEGER", nullable: true),
                    provider_keys = table.Column<string>(type: "TEXT", nullable: true),
                    regcount = table.Column<int>(type: "INTEGER", nullable: false)
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
