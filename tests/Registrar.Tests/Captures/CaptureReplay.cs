using System.Text.Json;
using Keylime.Registrar.Tests.Support;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.Registrar.Tests.Captures;

/// <summary>
/// Replays spec/captures/registrar_http.md (an agent registering and activating over HTTP) and then
/// registrar_tls.md (the Python tenant reading, listing and deleting over mTLS) against a fresh
/// registrar, and checks every recorded status and result field. The digests shorten keys and
/// certificates to <c>prefix...(N chars)</c>; the full values come from tpm-vectors (same swtpm
/// templates), checked against the recorded prefix and length before use. Secrets aside: the blob
/// is checked for its container header and recorded length, and the auth_tag is computed from the
/// stored key.
/// </summary>
public abstract class CaptureReplay(RegistrarFixture fixture)
{
    private const string AgentId = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";

    private RegistrarProcess Registrar => fixture.Registrar;

    [Fact]
    public async Task Replaying_the_agent_and_tenant_captures_gives_the_recorded_statuses_and_fields()
    {
        var exchanges = CaptureFile.Read(SharedData.Path("spec", "captures", "registrar_http.md"))
            .Select(e => (e, Registrar.Http))
            .Concat(CaptureFile.Read(SharedData.Path("spec", "captures", "registrar_tls.md")).Select(e => (e, Registrar.Admin)))
            .ToList();
        Assert.Equal(18, exchanges.Count);
        foreach (var (exchange, client) in exchanges)
        {
            var body = exchange.Request is { } request ? await RequestBody(request) : null;
            var response = await client.Send(new HttpMethod(exchange.Method), exchange.Path, body);
            var where = $"{exchange.Method} {exchange.Path} (#{exchange.Index})";
            Assert.True(exchange.Status == response.Code, $"{where}: {response.Code} {response.Body}");
            AssertLike(exchange.Response!.Value, response.Json!.Value, where);
        }
    }

    /// <summary>The recorded request with shortened values restored and the fake auth_tag replaced.</summary>
    private async Task<string> RequestBody(JsonElement recorded)
    {
        var full = new Dictionary<string, string>
        {
            ["aik_tpm"] = Convert.ToBase64String(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ak", "ak_rsa.pub"))),
            ["ek_tpm"] = Convert.ToBase64String(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ek", "ek_rsa.pub"))),
            ["ekcert"] = File.ReadAllText(SharedData.Path("tpm-vectors", "ek", "ek_rsa_cert.pem")),
        };
        var body = new Dictionary<string, object?>();
        foreach (var property in recorded.EnumerateObject())
        {
            if (property.Name == "auth_tag")
            {
                var stored = await TestDatabase.FindAsync(Registrar, AgentId);
                body["auth_tag"] = ActivationProof.AuthTag(stored!.Key!, AgentId);
            }
            else if (full.TryGetValue(property.Name, out var value))
            {
                var recordedText = property.Value.GetString()!;
                var prefix = recordedText[..recordedText.IndexOf("...(", StringComparison.Ordinal)];
                Assert.StartsWith(prefix[..Math.Min(prefix.Length, ComparablePrefix(property.Name))], value);
                body[property.Name] = value;
            }
            else
            {
                body[property.Name] = property.Value;
            }
        }

        return JsonSerializer.Serialize(body);
    }

    /// <summary>
    /// The base64 characters of a shortened value that must agree between the capture's TPM and
    /// tpm-vectors' swtpm: for the AK, its TPM2B header up to the modulus (size, RSA, SHA-256,
    /// 0x00050072, RSASSA-SHA256, 2048 bits); the EK prefix is all template (PolicyA), the EK
    /// certificate prefix all structure.
    /// </summary>
    private static int ComparablePrefix(string field) => field == "aik_tpm" ? 34 : int.MaxValue;

    private static void AssertLike(JsonElement recorded, JsonElement actual, string where)
    {
        Assert.True(recorded.ValueKind == actual.ValueKind, $"{where}: {recorded} vs {actual}");
        switch (recorded.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(recorded.EnumerateObject().Select(p => p.Name).Order(), actual.EnumerateObject().Select(p => p.Name).Order());
                foreach (var property in recorded.EnumerateObject())
                {
                    AssertLike(property.Value, actual.GetProperty(property.Name), $"{where}.{property.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.Equal(recorded.GetArrayLength(), actual.GetArrayLength());
                foreach (var (r, a) in recorded.EnumerateArray().Zip(actual.EnumerateArray()))
                {
                    AssertLike(r, a, where);
                }

                break;
            case JsonValueKind.String when recorded.GetString()!.StartsWith("FAKE-BLOB", StringComparison.Ordinal):
                var blob = actual.GetString()!;
                Assert.StartsWith("utzA3gAAAAEA", blob);
                Assert.Equal(448, blob.Length); // RSA-2048 EK: 8 + 2+68 + 2+256 bytes
                break;
            case JsonValueKind.String:
                var field = where[(where.LastIndexOf('.') + 1)..];
                Assert.True(CaptureFile.Matches(recorded.GetString()!, actual.GetString()!, ComparablePrefix(field)), $"{where}: {recorded} vs {actual}");
                break;
            default:
                Assert.Equal(recorded.GetRawText(), actual.GetRawText());
                break;
        }
    }
}

public sealed class CaptureReplayOnSqlite(SqliteRegistrarFixture fixture) : CaptureReplay(fixture), IClassFixture<SqliteRegistrarFixture>;

public sealed class CaptureReplayOnPostgres(PostgresRegistrarFixture fixture) : CaptureReplay(fixture), IClassFixture<PostgresRegistrarFixture>;
