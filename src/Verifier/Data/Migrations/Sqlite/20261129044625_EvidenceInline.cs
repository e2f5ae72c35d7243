using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Verifier.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EvidenceInline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "evidence",
                table: "attestations",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            // The items move into their attestation's row, in position order (Data/EvidenceColumn.cs).
            migrationBuilder.Sql("""
                UPDATE attestations SET evidence = (
                    SELECT json_group_array(json_object(
                               'evidence_class', e.evidence_class, 'evidence_type', e.evidence_type,
                               'capabilities', json(e.capabilities), 'chosen_parameters', json(e.chosen_parameters),
                               'data', json(e.data), 'results', json(e.results)) ORDER BY e.position)
                    FROM evidence_items e WHERE e.agent_id = attestations.agent_id AND e.attestation_index = attestations."index")
                """);

            migrationBuilder.DropTable(
                name: "evidence_items");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "evidence_items",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    attestation_index = table.Column<int>(type: "INTEGER", nullable: false),
                    capabilities = table.Column<string>(type: "TEXT", nullable: true),
                    chosen_parameters = table.Column<string>(type: "TEXT", nullable: true),
                    data = table.Column<string>(type: "TEXT", nullable: true),
                    evidence_class = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    evidence_type = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false),
                    results = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_evidence_items", x => x.id);
                    table.ForeignKey(
                        name: "FK_evidence_items_attestations_agent_id_attestation_index",
                        columns: x => new { x.agent_id, x.attestation_index },
                        principalTable: "attestations",
                        principalColumns: new[] { "agent_id", "index" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_evidence_items_agent_id_attestation_index_position",
                table: "evidence_items",
                columns: new[] { "agent_id", "attestation_index", "position" },
                unique: true);

            migrationBuilder.Sql("""
                INSERT INTO evidence_items (agent_id, attestation_index, position, evidence_class, evidence_type, capabilities, chosen_parameters, data, results)
                SELECT a.agent_id, a."index", CAST(i.key AS INTEGER), json_extract(i.value, '$.evidence_class'), json_extract(i.value, '$.evidence_type'),
                       json_extract(i.value, '$.capabilities'), json_extract(i.value, '$.chosen_parameters'),
                       json_extract(i.value, '$.data'), json_extract(i.value, '$.results')
                FROM attestations a, json_each(a.evidence) i
                """);

            migrationBuilder.DropColumn(
                name: "evidence",
                table: "attestations");
        }
    }
}
