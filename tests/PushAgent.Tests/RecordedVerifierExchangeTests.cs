using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Keylime.PushAgent.StateMachine;
using Keylime.PushAgent.Tests.Support;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests;

/// <summary>
/// The agent against Keylime's verifier exchange recorded in spec/captures/push_cycle.md, replayed
/// over HTTPS by a fake peer, and a fake registrar: its requests must have the fields and headers of
/// the Rust agent's (data/push-agent-requests/, spec/push-agent.md §4–6).
/// </summary>
public sealed class RecordedVerifierExchangeTests(RecordedVerifierExchangeTests.TwoCycles cycles) : IClassFixture<RecordedVerifierExchangeTests.TwoCycles>
{
    private const string AgentId = "d432fbb3-d2f1-4a97-9ef7-75bd81c00000";
    private readonly FakePeer _verifier = cycles.Verifier;
    private readonly FakePeer _registrar = cycles.Registrar;
    private readonly AgentHarness _agent = cycles.Agent;

    /// <summary>One agent run through registration and two replayed attestation cycles, shared by the tests.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "xunit disposes it through IAsyncLifetime")]
    public sealed class TwoCycles : IAsyncLifetime
    {
        private readonly TestPki _pki = TestPki.Create();

        public FakePeer Verifier { get; private set; } = null!;

        public FakePeer Registrar { get; private set; } = null!;

        public AgentHarness Agent { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Verifier = await FakePeer.StartAsync(Peers.ReplayVerifier(PushCycleCapture.Load()), _pki);
            Registrar = await FakePeer.StartAsync(Peers.Registrar, tls: null);
            Agent = new AgentHarness(AgentHarness.SettingsFor(Verifier.Url, Registrar.Url, _pki, _pki.Directory));
            Agent.Start();
            await Eventually.True(() => Agent.Machine.WaitingUntil is not null, "waiting after the first 202");
            // The recorded 202 asks for the next attestation in 2 s of (fake) time.
            Assert.Equal(Agent.Time.GetUtcNow().AddSeconds(2), Agent.Machine.WaitingUntil);
            Agent.Time.Advance(TimeSpan.FromSeconds(2));
            await Eventually.True(() => Agent.Machine.AcceptedEvidence >= 2, "second evidence accepted");
        }

        public async Task DisposeAsync()
        {
            await Agent.DisposeAsync();
            await Verifier.DisposeAsync();
            await Registrar.DisposeAsync();
            _pki.Dispose();
        }
    }

    [Fact]
    public void Registration_posts_the_Rust_agents_fields_and_activates_with_the_auth_tag()
    {
        var requests = _registrar.Received;
        Assert.Equal(["GET /version", $"POST /v2.6/agents/{AgentId}", $"PUT /v2.6/agents/{AgentId}"],
            requests.Select(r => $"{r.Method} {r.Path}").ToArray());
        var register = JsonNode.Parse(requests[1].Body)!.AsObject();
        Assert.Equal(["aik_tpm", "ek_tpm", "ekcert", "iak_cert", "idevid_cert", "ip", "port"], register.Select(p => p.Key).ToArray());
        Assert.Null(register["iak_cert"]);
        Assert.Equal(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ak", "ak_rsa.pub")), Convert.FromBase64String(register["aik_tpm"]!.GetValue<string>()));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", register["ekcert"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("application/json", requests[1].Header("Content-Type"));

        var (credential, secret) = Assert.Single(_agent.Tpm.Activations);
        Assert.Equal(Peers.Blob.IdObject, credential);
        Assert.Equal(Peers.Blob.EncryptedSecret, secret);
        var expectedTag = ActivationProof.AuthTag(Convert.ToBase64String(RecordedTpm.ActivatedSecret), AgentId);
        Assert.Equal(expectedTag, JsonNode.Parse(requests[2].Body)!["auth_tag"]!.GetValue<string>());
    }

    [Fact]
    public void Session_requests_have_the_shape_of_the_Rust_agents_and_prove_the_recorded_challenge()
    {
        var posts = _verifier.Received.Where(r => r.Method == "POST" && r.Path == "/v3.0/sessions").ToArray();
        var expected = JsonNode.Parse(File.ReadAllText(SharedData.Path("data", "push-agent-requests", "session_request.json")));
        Assert.Equal(JsonShape.Of(expected), JsonShape.Of(JsonNode.Parse(posts[0].Body)));
        Assert.Equal(AgentId, JsonNode.Parse(posts[0].Body)!["data"]!["attributes"]!["agent_id"]!.GetValue<string>());

        var patch = _verifier.Received.First(r => r.Method == "PATCH" && r.Path.StartsWith("/v3.0/sessions/", StringComparison.Ordinal));
        Assert.Equal("/v3.0/sessions/abadfd60-a15c-4dde-9667-71c330614766", patch.Path);
        var body = JsonNode.Parse(patch.Body)!;
        Assert.Equal("abadfd60-a15c-4dde-9667-71c330614766", body["data"]!["id"]!.GetValue<string>());
        var proof = body["data"]!["attributes"]!["authentication_provided"]![0]!;
        Assert.Equal("pop", proof["authentication_class"]!.GetValue<string>());
        Assert.Equal("tpm_pop", proof["authentication_type"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(SharedData.Path("tpm-vectors", "certify", "certify_rsa_self.attest")),
            Convert.FromBase64String(proof["data"]!["message"]!.GetValue<string>()));
        Assert.Equal(Convert.FromBase64String("60PfLuRWKhsP6KVw/VuPpw=="), _agent.Tpm.Certified.First());

        foreach (var request in posts.Append(patch))
        {
            Assert.Equal("application/vnd.api+json", request.Header("Content-Type"));
            Assert.Equal("application/vnd.api+json", request.Header("Accept"));
            Assert.Null(request.Header("Authorization"));
        }
    }

    [Fact]
    public void Capabilities_have_the_Rust_agents_fields_plus_the_AKs_allowable_algorithms()
    {
        var post = _verifier.Received.First(r => r.Method == "POST" && r.Path == $"/v3.0/agents/{AgentId}/attestations");
        var expected = JsonShape.Of(JsonNode.Parse(File.ReadAllText(
            SharedData.Path("data", "push-agent-requests", "evidence_supported_attestation_request.json"))));
        var actual = JsonShape.Of(JsonNode.Parse(post.Body));
        const string keys = "data.attributes.evidence_supported[].capabilities.certification_keys[].";
        Assert.Equal(string.Join("\n", expected.Union([keys + "allowable_hash_algorithms", keys + "allowable_signature_schemes"]).Order()), string.Join("\n", actual));

        var quote = JsonNode.Parse(post.Body)!["data"]!["attributes"]!["evidence_supported"]![0]!["capabilities"]!;
        var key = quote["certification_keys"]![0]!;
        Assert.Equal(Convert.ToHexStringLower(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ak", "ak_rsa.name"))), key["local_identifier"]!.GetValue<string>());
        Assert.Equal(File.ReadAllBytes(SharedData.Path("tpm-vectors", "ak", "ak_rsa.pub"))[2..], Convert.FromBase64String(key["public"]!.GetValue<string>()));
        var ima = JsonNode.Parse(post.Body)!["data"]!["attributes"]!["evidence_supported"]![2]!["capabilities"]!;
        Assert.Equal(826, ima["entry_count"]!.GetValue<long>());
    }

    [Fact]
    public void Evidence_follows_Location_with_the_Rust_agents_fields_and_a_quote_over_the_chosen_PCRs()
    {
        var patches = _verifier.Received.Where(r => r.Method == "PATCH" && r.Path.Contains("/attestations/", StringComparison.Ordinal)).ToArray();
        Assert.Equal($"/v3.0/agents/{AgentId}/attestations/0", patches[0].Path);
        Assert.Equal($"/v3.0/agents/{AgentId}/attestations/1", patches[1].Path);
        var body = JsonNode.Parse(patches[0].Body)!;
        var collected = body["data"]!["attributes"]!["evidence_collected"]!.AsArray();
        var quote = Assert.Single(collected);
        Assert.Equal("tpm_quote", quote!["evidence_type"]!.GetValue<string>());
        Assert.Equal(new[] { "data", "data.message", "data.signature", "data.subject_data", "evidence_class", "evidence_type" },
            JsonShape.Of(quote).ToArray());

        var (nonce, hash, pcrs) = _agent.Tpm.Quotes.First();
        Assert.Equal(Convert.FromBase64String("x9ZcAB1uUWB4DcHpi0ZTlA=="), nonce);
        Assert.Equal("sha256", hash);
        Assert.Equal([16, 23], pcrs);
    }

    [Fact]
    public void Attestation_requests_carry_JSON_API_headers_a_request_id_and_the_session_token()
    {
        var attestation = _verifier.Received.Where(r => r.Path.Contains("/attestations", StringComparison.Ordinal)).ToArray();
        Assert.True(attestation.Length >= 4);
        foreach (var request in attestation)
        {
            Assert.Equal("application/vnd.api+json", request.Header("Content-Type"));
            Assert.Equal("application/vnd.api+json", request.Header("Accept"));
            Assert.Matches(new Regex("^[a-z0-9]{6}$"), request.Header("X-Request-ID")!);
            Assert.Equal("Bearer abadfd60-a15c-4dde-9667-71c330614766.FAKE-TOKEN-SECRET", request.Header("Authorization"));
            Assert.True(request.OverTls);
        }

        // The token is reused: one PoP session for both cycles.
        Assert.Single(_verifier.Received, r => r.Method == "PATCH" && r.Path.Contains("/sessions/", StringComparison.Ordinal));
    }

    [Fact]
    public void States_go_from_Unregistered_through_registration_into_the_negotiate_attest_loop()
    {
        var transitions = _agent.Transitions.Take(5).ToArray();
        Assert.Equal(
            [
                (AgentState.Unregistered, AgentState.Registered),
                (AgentState.Registered, AgentState.Negotiating),
                (AgentState.Negotiating, AgentState.Attesting),
                (AgentState.Attesting, AgentState.Negotiating),
                (AgentState.Negotiating, AgentState.Attesting),
            ],
            transitions);
        Assert.True(_agent.Logs.Contains(Microsoft.Extensions.Logging.LogLevel.Information, "State Negotiating → Attesting"));
    }
}
