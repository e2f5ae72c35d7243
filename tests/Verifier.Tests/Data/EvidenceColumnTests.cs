using System.Text.Json;
using System.Text.Json.Nodes;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Keylime.Verifier.Tests.Data;

/// <summary>
/// An attestation's evidence items live in its <c>evidence</c> column: the text round-trips every field,
/// embeds the protocol objects as JSON, and a database made before the change keeps its evidence across
/// the migration, both ways, on both providers.
/// </summary>
public sealed class EvidenceColumnTests
{
    private static readonly List<EvidenceItem> Items =
    [
        new()
        {
            Position = 0, EvidenceClass = EvidenceKinds.Certification, EvidenceType = EvidenceKinds.TpmQuote,
            Capabilities = """{"component_version":"2.0","signature_schemes":["rsassa"],"meta":null}""",
            ChosenParameters = """{"challenge":"Y2hhbGxlbmdl","hash_algorithm":"sha256"}""",
            Data = """{"message":"AQI=","signature":"AwQ=","subject_data":"BQY="}""",
        },
        new()
        {
            Position = 1, EvidenceClass = EvidenceKinds.Log, EvidenceType = EvidenceKinds.ImaLog,
            Capabilities = """{"entry_count":2}""", ChosenParameters = """{"starting_offset":0}""",
            Data = """{"entries":"10 a b\n10 c \"d\"\n","entry_count":2}""", Results = """{"certified_entry_count":2}""",
        },
    ];

    [Fact]
    public void Items_round_trip_with_their_protocol_objects_embedded_as_JSON()
    {
        var text = EvidenceColumn.Write(Items);

        var column = JsonNode.Parse(text)!.AsArray();
        Assert.Equal(JsonValueKind.Object, column[0]!["data"]!.GetValueKind()); // not an escaped string
        Assert.Null(column[0]!.AsObject()["results"]); // absent, not null
        var read = EvidenceColumn.Read(text);
        Assert.Equal(Items.Count, read.Count);
        for (var i = 0; i < Items.Count; i++)
        {
            AssertSame(Items[i], read[i]);
        }
    }

    [Fact]
    public void The_text_is_compact_JSON_in_item_order_and_a_class_or_type_that_needs_escaping_is_escaped()
    {
        Assert.Equal(
            """[{"evidence_class":"certification","evidence_type":"tpm_quote","capabilities":{"component_version":"2.0","signature_schemes":["rsassa"],"meta":null},"chosen_parameters":{"challenge":"Y2hhbGxlbmdl","hash_algorithm":"sha256"},"data":{"message":"AQI=","signature":"AwQ=","subject_data":"BQY="}},{"evidence_class":"log","evidence_type":"ima_log","capabilities":{"entry_count":2},"chosen_parameters":{"starting_offset":0},"data":{"entries":"10 a b\n10 c \"d\"\n","entry_count":2},"results":{"certified_entry_count":2}}]""",
            EvidenceColumn.Write(Items));

        var odd = Items[1] with { EvidenceClass = "l\\og", EvidenceType = "ima \"log\" <x>\n" };
        var text = EvidenceColumn.Write([Items[0], odd]);

        var read = EvidenceColumn.Read(text);
        Assert.Equal(("l\\og", "ima \"log\" <x>\n"), (read[1].EvidenceClass, read[1].EvidenceType));
        Assert.Equal(Items[0].EvidenceType, read[0].EvidenceType);
        AssertSame(odd, read[1]);
    }

    [Fact]
    public void No_items_is_an_empty_array_and_an_empty_column_has_no_items()
    {
        Assert.Equal("[]", EvidenceColumn.Write([]));
        Assert.Empty(EvidenceColumn.Read("[]"));
        Assert.Empty(EvidenceColumn.Read(""));
        Assert.Empty(EvidenceColumn.Read(null));
    }

    [Fact]
    public void An_attestation_hands_back_its_column_text_untouched_until_its_items_are_used_and_then_writes_them()
    {
        var stored = EvidenceColumn.Write(Items).Replace(",", ", ", StringComparison.Ordinal); // not what Write would produce
        var attestation = new Attestation { AgentId = "a", EvidenceJson = stored };
        Assert.Same(stored, attestation.EvidenceJson);

        attestation.EvidenceItems[1].Results = null;

        Assert.Null(Assert.Single(JsonNode.Parse(attestation.EvidenceJson)!.AsArray(), i => i!["evidence_type"]!.GetValue<string>() == "ima_log")!["results"]);
        Assert.Equal(Items.Count, EvidenceColumn.Read(attestation.EvidenceJson).Count);
    }

    [Fact]
    public void Sealed_evidence_is_written_once_for_the_statement_and_the_response_and_keeps_its_items()
    {
        var attestation = new Attestation { AgentId = "a", EvidenceItems = [.. Items.Select(i => i with { })] };
        Assert.NotSame(attestation.EvidenceJson, attestation.EvidenceJson); // written from the items each time

        attestation.SealEvidence();

        Assert.Same(attestation.EvidenceJson, attestation.EvidenceJson);
        Assert.Equal(EvidenceColumn.Write(Items), attestation.EvidenceJson);
        Assert.Equal(Items.Count, attestation.EvidenceItems.Count); // the worker still verifies the items
    }

    [Theory]
    [InlineData("""{"evidence_class":"log"}""")]
    [InlineData("""[{"evidence_type":"tpm_quote"}]""")]
    [InlineData("""[{"evidence_class":"log","evidence_type":5}]""")]
    [InlineData("""[{"evidence_class":"log""")]
    public void A_column_that_is_not_an_array_of_items_is_refused(string text) =>
        Assert.ThrowsAny<JsonException>(() => EvidenceColumn.Read(text));

    [Theory]
    [InlineData(TestDatabase.Sqlite)]
    [InlineData(TestDatabase.Postgres)]
    public async Task Evidence_stored_as_items_before_the_change_moves_into_its_attestation_and_back(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var services = new ServiceCollection().AddLogging().AddVerifier(database.Options()).BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        var migrator = db.GetService<IMigrator>();
        var before = db.Database.GetMigrations().Last(m => m.EndsWith("_AttestationFailureDetail", StringComparison.Ordinal));
        await migrator.MigrateAsync(before);

        db.Agents.Add(new Agent
        {
            AgentId = "m1", AkTpm = [1], TpmPolicy = "{}", VerifierId = "v",
            RuntimePolicy = new RuntimePolicy { Name = "m1" }, MbPolicy = new MeasuredBootPolicy { Name = "m1" },
        });
        await db.SaveChangesAsync();
        var now = DateTime.UtcNow;
        foreach (var index in new[] { 0, 1 })
        {
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO attestations (agent_id, "index", stage, evaluation, boot_time, capabilities_received_at, challenges_expire_at)
                VALUES ({0}, {1}, 'verification_complete', 'pass', {2}, {2}, {2})
                """, "m1", index, now);
        }

        foreach (var item in Items.AsEnumerable().Reverse()) // inserted out of order: position decides
        {
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO evidence_items (agent_id, attestation_index, position, evidence_class, evidence_type, capabilities, chosen_parameters, data)
                VALUES ('m1', 0, {0}, {1}, {2}, {3}, {4}, {5})
                """, item.Position, item.EvidenceClass, item.EvidenceType, item.Capabilities!, item.ChosenParameters!, item.Data!);
            if (item.Results is { } results)
            {
                await db.Database.ExecuteSqlRawAsync("UPDATE evidence_items SET results = {0} WHERE position = {1}", results, item.Position);
            }
        }

        await migrator.MigrateAsync();

        var migrated = await AttestationReads.AllAsync(db, "m1", CancellationToken.None);
        Assert.Equal([0, 1], migrated.Select(a => a.Index));
        Assert.Equal(Items.Count, migrated[0].EvidenceItems.Count);
        for (var i = 0; i < Items.Count; i++)
        {
            AssertSame(Items[i], migrated[0].EvidenceItems[i]);
        }

        Assert.Empty(migrated[1].EvidenceItems); // an attestation without items gets an empty list

        await migrator.MigrateAsync(before);

        var restored = await db.Database.SqlQueryRaw<RestoredItem>("""
            SELECT position AS "Position", evidence_class AS "EvidenceClass", evidence_type AS "EvidenceType", capabilities AS "Capabilities",
                   chosen_parameters AS "ChosenParameters", data AS "Data", results AS "Results"
            FROM evidence_items WHERE agent_id = 'm1' AND attestation_index = 0 ORDER BY position
            """).ToListAsync();
        Assert.Equal(Items.Count, restored.Count);
        for (var i = 0; i < Items.Count; i++)
        {
            var r = restored[i];
            AssertSame(Items[i], new EvidenceItem
            {
                Position = r.Position, EvidenceClass = r.EvidenceClass, EvidenceType = r.EvidenceType, Capabilities = r.Capabilities,
                ChosenParameters = r.ChosenParameters, Data = r.Data, Results = r.Results,
            });
        }
    }

    [Fact]
    public async Task On_PostgreSQL_new_evidence_is_compressed_with_lz4_and_the_migration_reverts()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await using var services = await database.ServicesAsync(); // migrated
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        db.Agents.Add(new Agent
        {
            AgentId = "z1", AkTpm = [1], TpmPolicy = "{}", VerifierId = "v",
            RuntimePolicy = new RuntimePolicy { Name = "z1" }, MbPolicy = new MeasuredBootPolicy { Name = "z1" },
        });
        await db.SaveChangesAsync();
        var evidence = EvidenceColumn.Write([Items[0] with { Data = $$"""{"message":"{{new string('A', 4000)}}"}""" }]); // above the 2 kB compression threshold
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO attestations (agent_id, "index", stage, evaluation, boot_time, capabilities_received_at, challenges_expire_at, evidence)
            VALUES ('z1', 0, 'awaiting_evidence', '', now(), now(), now(), {0})
            """, evidence);

        Assert.Equal("l", await Scalar(db, EvidenceCompression));
        Assert.Equal("lz4", await Scalar(db, "SELECT pg_column_compression(evidence) AS \"Value\" FROM attestations WHERE agent_id = 'z1'"));
        Assert.Equal(evidence, await Scalar(db, "SELECT evidence AS \"Value\" FROM attestations WHERE agent_id = 'z1'"));

        var before = db.Database.GetMigrations().Last(m => m.EndsWith("_EvidenceInline", StringComparison.Ordinal));
        await db.GetService<IMigrator>().MigrateAsync(before);

        Assert.Equal("", await Scalar(db, EvidenceCompression));
        Assert.Equal(evidence, await Scalar(db, "SELECT evidence AS \"Value\" FROM attestations WHERE agent_id = 'z1'")); // still readable
    }

    [Fact]
    public async Task A_server_that_cannot_use_the_compression_method_keeps_its_default_and_the_migration_does_not_fail()
    {
        await using var database = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await using var services = await database.ServicesAsync(); // migrated
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VerifierDbContext>();
        var before = db.Database.GetMigrations().Last(m => m.EndsWith("_EvidenceInline", StringComparison.Ordinal));
        await db.GetService<IMigrator>().MigrateAsync(before); // down again: the column is back to the default

        // What a server built without LZ4 answers for lz4 (feature_not_supported) is, for an unknown method, invalid_parameter_value.
        await db.Database.ExecuteSqlRawAsync(Keylime.Verifier.Data.Migrations.Postgres.EvidenceLz4.Compression("zstd9"));

        Assert.Equal("", await Scalar(db, EvidenceCompression));
    }

    /// <summary>The evidence column's compression method: <c>l</c> for LZ4, empty for the server's default.</summary>
    private const string EvidenceCompression =
        "SELECT attcompression::text AS \"Value\" FROM pg_attribute WHERE attrelid = 'attestations'::regclass AND attname = 'evidence'";

    /// <summary>The single value (column <c>Value</c>) of a query.</summary>
    private static async Task<string?> Scalar(VerifierDbContext db, string sql) =>
        (await db.Database.SqlQueryRaw<string>(sql).ToListAsync()).Single();

    private sealed record RestoredItem(int Position, string EvidenceClass, string EvidenceType, string? Capabilities, string? ChosenParameters,
        string? Data, string? Results);

    /// <summary>Same item: the protocol objects compare as JSON (a database may re-space them).</summary>
    private static void AssertSame(EvidenceItem expected, EvidenceItem actual)
    {
        Assert.Equal((expected.Position, expected.EvidenceClass, expected.EvidenceType), (actual.Position, actual.EvidenceClass, actual.EvidenceType));
        AssertJson(expected.Capabilities, actual.Capabilities);
        AssertJson(expected.ChosenParameters, actual.ChosenParameters);
        AssertJson(expected.Data, actual.Data);
        AssertJson(expected.Results, actual.Results);
    }

    private static void AssertJson(string? expected, string? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}, got {actual}");
    }
}
