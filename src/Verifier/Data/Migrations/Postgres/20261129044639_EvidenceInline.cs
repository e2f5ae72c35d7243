using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Keylime.Verifier.Data.Migrations.Postgres
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
                type: "text",
                nullable: false,
                defaultValue: "[]");

            // The items move into their attestation's row, in position order (Data/EvidenceColumn.cs).
            migrationBuilder.Sql("""
                UPDATE attestations a SET evidence = COALESCE((
                    SELECT json_agg(json_build_object(
                               'evidence_class', e.evidence_class, 'evidence_type', e.evidence_type,
                               'capabilities', e.capabilities::json, 'chosen_parameters', e.chosen_parameters::json,
                               'data', e.data::json, 'results', e.results::json) ORDER BY e.position)::text
                    FROM evidence_items e WHERE e.agent_id = a.agent_id AND e.attestation_index = a."index"), '[]')
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
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    agent_id = table.Column<string>(type: "character varying(80)", nullable: false),
                    attestation_index = table.Column<int>(type: "integer", nullable: false),
                    capabilities = table.Column<string>(type: "text", nullable: true),
                    chosen_parameters = table.Column<string>(type: "text", nullable: true),
                    data = table.Column<string>(type: "text", nullable: true),
                    evidence_class = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    evidence_type = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    results = table.Column<string>(type: "text", nullable: true)
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
                SELECT a.agent_id, a."index", (i.n - 1)::int, i.item->>'evidence_class', i.item->>'evidence_type',
                       CASE WHEN json_typeof(i.item->'capabilities') = 'null' THEN NULL ELSE (i.item->'capabilities')::text END,
                       CASE WHEN json_typeof(i.item->'chosen_parameters') = 'null' THEN NULL ELSE (i.item->'chosen_parameters')::text END,
                       CASE WHEN json_typeof(i.item->'data') = 'null' THEN NULL ELSE (i.item->'data')::text END,
                       CASE WHEN json_typeof(i.item->'results') = 'null' THEN NULL ELSE (i.item->'results')::text END
                FROM attestations a CROSS JOIN LATERAL json_array_elements(a.evidence::json) WITH ORDINALITY AS i(item, n)
                """);

            migrationBuilder.DropColumn(
                name: "evidence",
                table: "attestations");
        }
    }
}
