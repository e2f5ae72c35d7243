using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Keylime.Verifier.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mb_policies",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    mb_policy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mb_policies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "runtime_policies",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    ima_policy = table.Column<string>(type: "TEXT", nullable: true),
                    generator = table.Column<int>(type: "INTEGER", nullable: false),
                    checksum = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    tpm_policy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_runtime_policies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sessions",
                columns: table => new
                {
                    session_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    token_hash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    token_salt = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    nonce = table.Column<byte[]>(type: "BLOB", nullable: true),
                    hash_algorithm = table.Column<string>(type: "TEXT", maxLength: 15, nullable: true),
                    signing_scheme = table.Column<string>(type: "TEXT", maxLength: 15, nullable: true),
                    ak_attest = table.Column<byte[]>(type: "BLOB", nullable: true),
                    ak_sign = table.Column<byte[]>(type: "BLOB", nullable: true),
                    nonce_created_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    nonce_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    pop_received_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    token_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sessions", x => x.session_id);
                });

            migrationBuilder.CreateTable(
                name: "agents",
                columns: table => new
                {
                    agent_id = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    ak_tpm = table.Column<byte[]>(type: "BLOB", nullable: false),
                    tpm_policy = table.Column<string>(type: "TEXT", nullable: false),
                    accept_tpm_hash_algs = table.Column<string>(type: "TEXT", nullable: false),
                    accept_tpm_encryption_algs = table.Column<string>(type: "TEXT", nullable: false),
                    accept_tpm_signing_algs = table.Column<string>(type: "TEXT", nullable: false),
                    runtime_policy_id = table.Column<int>(type: "INTEGER", nullable: false),
                    mb_policy_id = table.Column<int>(type: "INTEGER", nullable: false),
                    meta_data = table.Column<string>(type: "TEXT", nullable: false),
                    ima_sign_verification_keys = table.Column<string>(type: "TEXT", nullable: false),
                    revocation_key = table.Column<string>(type: "TEXT", nullable: false),
                    v = table.Column<string>(type: "TEXT", nullable: true),
                    mtls_cert = table.Column<string>(type: "TEXT", nullable: true),
                    supported_version = table.Column<string>(type: "TEXT", nullable: false),
                    ip = table.Column<string>(type: "TEXT", nullable: true),
                    port = table.Column<int>(type: "INTEGER", nullable: true),
                    verifier_id = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    verifier_ip = table.Column<string>(type: "TEXT", nullable: true),
                    verifier_port = table.Column<int>(type: "INTEGER", nullable: true),
                    enrolled_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    operational_state = table.Column<int>(type: "INTEGER", nullable: true),
                    accept_attestations = table.Column<bool>(type: "INTEGER", nullable: false, defaultValue: true),
                    attestation_count = table.Column<int>(type: "INTEGER", nullable: false),
                    consecutive_attestation_failures = table.Column<int>(type: "INTEGER", nullable: true),
                    last_received_quote = table.Column<long>(type: "INTEGER", nullable: false),
                    last_successful_attestation = table.Column<long>(type: "INTEGER", nullable: false),
                    hash_alg = table.Column<string>(type: "TEXT", nullable: false),
                    enc_alg = table.Column<string>(type: "TEXT", nullable: false),
                    sign_alg = table.Column<string>(type: "TEXT", nullable: false),
                    severity_level = table.Column<int>(type: "INTEGER", nullable: true),
                    last_event_id = table.Column<string>(type: "TEXT", nullable: true),
                    tpm_clock_info = table.Column<string>(type: "TEXT", nullable: true),
                    next_ima_ml_entry = table.Column<long>(type: "INTEGER", nullable: false),
                    pcr10 = table.Column<byte[]>(type: "BLOB", nullable: true),
                    boot_time = table.Column<long>(type: "INTEGER", nullable: false),
                    learned_ima_keyrings = table.Column<string>(type: "TEXT", nullable: false),
                    ima_quote_progress = table.Column<string>(type: "TEXT", nullable: true),
                    ima_pcrs = table.Column<string>(type: "TEXT", nullable: false),
                    public_key = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agents", x => x.agent_id);
                    table.ForeignKey(
                        name: "FK_agents_mb_policies_mb_policy_id",
                        column: x => x.mb_policy_id,
                        principalTable: "mb_policies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_agents_runtime_policies_runtime_policy_id",
                        column: x => x.runtime_policy_id,
                        principalTable: "runtime_policies",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "attestations",
                columns: table => new
                {
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    index = table.Column<int>(type: "INTEGER", nullable: false),
                    stage = table.Column<string>(type: "TEXT", maxLength: 25, nullable: false),
                    evaluation = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    failure_reason = table.Column<string>(type: "TEXT", maxLength: 25, nullable: true),
                    boot_time = table.Column<DateTime>(type: "TEXT", nullable: false),
                    capabilities_received_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    challenges_expire_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    evidence_received_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    verification_completed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_attestations", x => new { x.agent_id, x.index });
                    table.ForeignKey(
                        name: "FK_attestations_agents_agent_id",
                        column: x => x.agent_id,
                        principalTable: "agents",
                        principalColumn: "agent_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "evidence_items",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    attestation_index = table.Column<int>(type: "INTEGER", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false),
                    evidence_class = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    evidence_type = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    capabilities = table.Column<string>(type: "TEXT", nullable: true),
                    chosen_parameters = table.Column<string>(type: "TEXT", nullable: true),
                    data = table.Column<string>(type: "TEXT", nullable: true),
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
                name: "IX_agents_mb_policy_id",
                table: "agents",
                column: "mb_policy_id");

            migrationBuilder.CreateIndex(
                name: "IX_agents_runtime_policy_id",
                table: "agents",
                column: "runtime_policy_id");

            migrationBuilder.CreateIndex(
                name: "IX_agents_verifier_id",
                table: "agents",
                column: "verifier_id");

            migrationBuilder.CreateIndex(
                name: "IX_evidence_items_agent_id_attestation_index_position",
                table: "evidence_items",
                columns: new[] { "agent_id", "attestation_index", "position" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_mb_policies_name",
                table: "mb_policies",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_runtime_policies_name",
                table: "runtime_policies",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_sessions_agent_id",
                table: "sessions",
                column: "agent_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "evidence_items");

            migrationBuilder.DropTable(
                name: "sessions");

            migrationBuilder.DropTable(
                name: "attestations");

            migrationBuilder.DropTable(
                name: "agents");

            migrationBuilder.DropTable(
                name: "mb_policies");

            migrationBuilder.DropTable(
                name: "runtime_policies");
        }
    }
}
