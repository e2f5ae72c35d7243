using System.Text.Json.Nodes;
using Keylime.Shared.Configuration;
using Keylime.Tenant.Tests.Support;
using Keylime.TestSupport;

namespace Keylime.Tenant.Tests.Transport;

/// <summary>
/// A verifier stand-in and a registrar stand-in (fake peers, see <see cref="StandInServer"/>) with one
/// test PKI, shared by the tests of one class (key generation and server start are the slow part).
/// </summary>
public sealed class StandInPair : IAsyncLifetime
{
    public TestPki Pki { get; } = new();
    public StandInServer Verifier { get; private set; } = null!;
    public StandInServer Registrar { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Verifier = await StandInServer.StartAsync(Pki.Server, Pki.Ca);
        Registrar = await StandInServer.StartAsync(Pki.Server, Pki.Ca);
    }

    public async Task DisposeAsync()
    {
        await Verifier.DisposeAsync();
        await Registrar.DisposeAsync();
        Pki.Dispose();
    }
}

/// <summary>Base of the HTTP tests: fresh routes per test, helpers to replay spec/captures answers.</summary>
public abstract class StandInTests : IClassFixture<StandInPair>
{
    protected const string AgentId = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";

    protected static readonly string AkTpm = Convert.ToBase64String(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ak", "ak_rsa.pub")));

    protected StandInTests(StandInPair pair)
    {
        Pki = pair.Pki;
        Verifier = pair.Verifier;
        Registrar = pair.Registrar;
        Verifier.Reset();
        Registrar.Reset();
    }

    protected TestPki Pki { get; }
    protected StandInServer Verifier { get; }
    protected StandInServer Registrar { get; }

    protected TenantOptions Options => TenantRun.Options(Pki, Verifier.Port, Registrar.Port);

    protected Task<TenantResult> RunAsync(params string[] args) => TenantRun.RunAsync(Options, args);

    protected Task<TenantResult> RunAsync(TenantOptions options, params string[] args) => TenantRun.RunAsync(options, args);

    protected static CapturedExchange VerifierCapture(int index) => Captures.Exchange("verifier.md", index);

    protected static CapturedExchange RegistrarCapture(int index) => Captures.Exchange("registrar_tls.md", index);

    /// <summary>The captured answer with the verifier's recorded port set to the stand-in's (as a real verifier would answer).</summary>
    protected string AtStandInPort(string body) => body.Replace("\"verifier_port\": 18881", $"\"verifier_port\": {Verifier.Port}", StringComparison.Ordinal);

    /// <summary>Push-mode verifier: /version is 410 (capture #1), so the tenant falls back to v2.6.</summary>
    protected void VerifierInPushMode() => Verifier.Replay(VerifierCapture(1));

    /// <summary>Registrar with the agent of registrar_tls.md #2 (its AK replaced by a full-length real AK).</summary>
    protected void RegistrarWithAgent(Func<JsonObject, JsonObject>? edit = null)
    {
        Registrar.Replay(RegistrarCapture(1));
        Registrar.Replay(RegistrarCapture(2), body =>
        {
            var doc = (JsonObject)JsonNode.Parse(Captures.Expand(body, AkTpm))!;
            if (edit is not null)
            {
                doc["results"] = edit((JsonObject)doc["results"]!.DeepClone());
            }

            return doc.ToJsonString();
        });
    }

    protected static JsonObject Line(string json) => (JsonObject)JsonNode.Parse(json)!;
}
