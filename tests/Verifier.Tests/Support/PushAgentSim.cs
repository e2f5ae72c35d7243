using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// A push agent in the test: a real TPM (swtpm through the push agent's TPM layer) or the push
/// agent's software TPM, speaking the exact request bodies of the Rust agent over HTTPS.
/// </summary>
public sealed class PushAgentSim : IDisposable
{
    private VerifierServer _server;
    private HttpClient? _bearer;

    public PushAgentSim(VerifierServer server, ITpm tpm, string? agentId = null, TpmAlg scheme = TpmAlg.RsaSsa)
    {
        _server = server;
        Tpm = tpm;
        AgentId = agentId ?? "agent-" + Guid.NewGuid().ToString("N")[..12];
        Tpm.LoadEndorsementKey(TpmAlg.Rsa);
        Ak = Tpm.LoadAttestationKey(TpmAlg.Sha256, scheme, null);
    }

    public static PushAgentSim Software(VerifierServer server, TpmAlg scheme = TpmAlg.RsaSsa) => new(server, new SoftwareTpm(null), scheme: scheme);

    public ITpm Tpm { get; }

    public AgentAttestationKey Ak { get; }

    public string AgentId { get; }

    public string? Token { get; private set; }

    /// <summary>The IMA log the agent reports (whole file; the agent sends from starting_offset).</summary>
    public List<string> ImaLines { get; } = [];

    public string Path => $"/v3.0/agents/{AgentId}/attestations";

    /// <summary>Talks to another verifier instance from now on (same token).</summary>
    public void UseServer(VerifierServer server)
    {
        _server = server;
        _bearer = null;
    }

    public HttpClient Client => _bearer ??= _server.Bearer(Token ?? throw new InvalidOperationException("authenticate first"));

    public async Task EnrollAsync(string tpmPolicy = TenantBodies.MaskOnlyPolicy, string? runtimePolicyJson = null)
    {
        var body = TenantBodies.Enroll(Convert.ToBase64String(Ak.Public), tpmPolicy);
        body["accept_tpm_signing_algs"] = new JsonArray("rsassa", "ecdsa");
        if (runtimePolicyJson is not null)
        {
            body["runtime_policy"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(runtimePolicyJson));
            body["runtime_policy_name"] = "rp-" + AgentId;
        }

        var (status, response) = await Http.PostAsync(_server.Admin(), $"/v2.6/agents/{AgentId}", body);
        Assert.True(status == 200, $"enroll: {status} {response}");
    }

    /// <summary>POST + PATCH /v3.0/sessions with TPM2_Certify over the challenge; returns the PATCH status and body.</summary>
    public async Task<(int Status, JsonNode? Body)> AuthenticateAsync(Func<byte[], byte[]>? tamperSignature = null)
    {
        using var anonymous = _server.Clients.Anonymous();
        var (status, created) = await SendAsync(anonymous, HttpMethod.Post, "/v3.0/sessions", new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "session",
                ["attributes"] = new JsonObject
                {
                    ["agent_id"] = AgentId,
                    ["authentication_supported"] = new JsonArray(new JsonObject { ["authentication_class"] = "pop", ["authentication_type"] = "tpm_pop" }),
                },
            },
        });
        Assert.True(status == 200, $"session create: {status} {created}");
        var id = created!["data"]!["id"]!.GetValue<string>();
        var challenge = Convert.FromBase64String(created["data"]!["attributes"]!["authentication_requested"]![0]!["chosen_parameters"]!["challenge"]!.GetValue<string>());
        var certify = Tpm.Certify(challenge);
        var signature = tamperSignature is null ? certify.Signature : tamperSignature(certify.Signature);
        var result = await SendAsync(anonymous, HttpMethod.Patch, $"/v3.0/sessions/{id}", new JsonObject
        {
            ["data"] = new JsonObject
            {
                ["type"] = "session",
                ["id"] = id,
                ["attributes"] = new JsonObject
                {
                    ["agent_id"] = AgentId,
                    ["authentication_provided"] = new JsonArray(new JsonObject
                    {
                        ["authentication_class"] = "pop",
                        ["authentication_type"] = "tpm_pop",
                        ["data"] = new JsonObject { ["message"] = Convert.ToBase64String(certify.Attest), ["signature"] = Convert.ToBase64String(signature) },
                    }),
                },
            },
        });
        if (result.Body?["data"]?["attributes"]?["token"]?.GetValue<string>() is { } token)
        {
            Token = token;
            _bearer = null;
        }

        return result;
    }

    /// <summary>The Rust agent's phase-1 body.</summary>
    public JsonObject Capabilities(string bootTime = "2025-04-02T12:12:51Z")
    {
        var all = new JsonArray(Enumerable.Range(0, 24).Select(i => (JsonNode)i).ToArray());
        var alg = Ak.Type == TpmAlg.Rsa ? "rsa" : "ecc";
        var scheme = Ak.Scheme == TpmAlg.RsaSsa ? "rsassa" : "ecdsa";
        var supported = new JsonArray(new JsonObject
        {
            ["evidence_class"] = "certification",
            ["evidence_type"] = "tpm_quote",
            ["capabilities"] = new JsonObject
            {
                ["component_version"] = "2.0",
                ["hash_algorithms"] = new JsonArray("sha1", "sha256"),
                ["signature_schemes"] = new JsonArray(scheme),
                ["available_subjects"] = new JsonObject { ["sha1"] = all.DeepClone(), ["sha256"] = all },
                ["certification_keys"] = new JsonArray(new JsonObject
                {
                    ["key_class"] = "asymmetric",
                    ["key_algorithm"] = alg,
                    ["key_size"] = alg == "rsa" ? 2048 : 256,
                    ["server_identifier"] = "ak",
                    ["local_identifier"] = Convert.ToHexStringLower(Ak.Name),
                    ["public"] = Convert.ToBase64String(Ak.Public),
                    ["allowable_hash_algorithms"] = new JsonArray("sha256"),
                    ["allowable_signature_schemes"] = new JsonArray(scheme),
                }),
            },
        });
        supported.Add(new JsonObject
        {
            ["evidence_class"] = "log",
            ["evidence_type"] = "ima_log",
            ["capabilities"] = new JsonObject
            {
                ["entry_count"] = ImaLines.Count,
                ["supports_partial_access"] = true,
                ["appendable"] = true,
                ["formats"] = new JsonArray("text/plain"),
            },
        });
        return Document(new JsonObject { ["evidence_supported"] = supported, ["system_info"] = new JsonObject { ["boot_time"] = bootTime } });
    }

    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> CreateAttestationAsync(JsonObject? body = null) =>
        SendFullAsync(Client, HttpMethod.Post, Path, body ?? Capabilities());

    /// <summary>Evidence for the attestation as the agent would produce it; <paramref name="tamper"/> edits it before sending.</summary>
    public JsonObject Evidence(JsonNode created, byte[]? nonceOverride = null, Action<JsonObject>? tamper = null)
    {
        var requested = created["data"]!["attributes"]!["evidence_requested"]!.AsArray();
        var collected = new JsonArray();
        foreach (var item in requested)
        {
            var type = item!["evidence_type"]!.GetValue<string>();
            var chosen = item["chosen_parameters"]!;
            if (type == "tpm_quote")
            {
                var nonce = nonceOverride ?? Convert.FromBase64String(chosen["challenge"]!.GetValue<string>());
                var bank = chosen["selected_subjects"]!.AsObject().First(kv => kv.Value is not null);
                var pcrs = bank.Value!.AsArray().Select(p => p!.GetValue<int>()).ToArray();
                var quote = Tpm.Quote(nonce, PcrSelection.Of(TpmHash.FromKeylimeName(bank.Key)!.Value, pcrs));
                collected.Add(new JsonObject
                {
                    ["evidence_class"] = "certification",
                    ["evidence_type"] = "tpm_quote",
                    ["data"] = new JsonObject
                    {
                        ["subject_data"] = Convert.ToBase64String(quote.Pcrs.ToSubjectData()),
                        ["message"] = Convert.ToBase64String(quote.Attest),
                        ["signature"] = Convert.ToBase64String(quote.Signature),
                    },
                });
            }
            else if (type == "ima_log")
            {
                var offset = chosen["starting_offset"]!.GetValue<int>();
                var lines = ImaLines.Skip(offset).ToList();
                collected.Add(new JsonObject
                {
                    ["evidence_class"] = "log",
                    ["evidence_type"] = "ima_log",
                    ["data"] = new JsonObject { ["entries"] = string.Concat(lines.Select(l => l + "\n")), ["entry_count"] = lines.Count },
                });
            }
        }

        var body = Document(new JsonObject { ["evidence_collected"] = collected });
        tamper?.Invoke(body);
        return body;
    }

    public Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SubmitAsync(string location, JsonObject evidence) =>
        SendFullAsync(Client, HttpMethod.Patch, location, evidence);

    /// <summary>One full cycle: POST, quote, PATCH; returns the attestation index.</summary>
    public async Task<int> CycleAsync(Action<JsonObject>? tamper = null)
    {
        var (status, created, response) = await CreateAttestationAsync();
        Assert.True(status == 201, $"create: {status} {created}");
        var location = response.Headers.Location!.OriginalString;
        var (patched, body, _) = await SubmitAsync(location, Evidence(created!, tamper: tamper));
        Assert.True(patched == 202, $"evidence: {patched} {body}");
        return int.Parse(created!["data"]!["id"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls the attestation (as admin) until verification completes.</summary>
    public async Task<JsonNode> VerdictAsync(int index, TimeSpan? timeout = null)
    {
        var admin = _server.Admin();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var (status, body) = await Http.GetAsync(admin, $"{Path}/{index}");
            Assert.Equal(200, status);
            var attributes = body!["data"]!["attributes"]!;
            if (attributes["stage"]!.GetValue<string>() == "verification_complete")
            {
                return attributes;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no verdict for attestation {index}: {attributes}");
            await Task.Delay(50);
        }
    }

    public static JsonObject Document(JsonObject attributes) => new() { ["data"] = new JsonObject { ["type"] = "attestation", ["attributes"] = attributes } };

    public static async Task<(int Status, JsonNode? Body)> SendAsync(HttpClient client, HttpMethod method, string path, JsonNode body)
    {
        var (status, node, response) = await SendFullAsync(client, method, path, body);
        response.Dispose();
        return (status, node);
    }

    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SendFullAsync(HttpClient client, HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.api+json");
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public void Dispose() => Tpm.Dispose();
}
