using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// Fake registrar + verifier that CHECK the agent's cryptography with the TPM core's verifiers:
/// MakeCredential over the registered EK/AK and the auth_tag (ActivationProof), the PoP
/// TPM2_Certify over the session challenge (CertifyVerifier), each quote over the nonce and PCR blob
/// (QuoteVerifier). Fake peers stand in for the real registrar/verifier processes in these tests.
/// </summary>
public sealed class VerifyingPeers
{
    private readonly ConcurrentDictionary<string, byte[]> _credentials = new();
    private readonly ConcurrentDictionary<string, byte[]> _challenges = new();
    private byte[]? _akPublic;
    private string? _nonce;
    private int _sessions;

    public ConcurrentQueue<string> Failures { get; } = new();

    private int _activated;
    private int _proofsAccepted;
    private int _quotesVerified;

    public int Activated => Volatile.Read(ref _activated);

    public int ProofsAccepted => Volatile.Read(ref _proofsAccepted);

    public int QuotesVerified => Volatile.Read(ref _quotesVerified);

    public string RegisteredId { get; private set; } = "";

    public int SecondsToNextAttestation { get; set; } = 1;

    public PeerResponse Registrar(RecordedRequest request)
    {
        if (request.Method == "GET")
        {
            return new(200, """{"code":200,"status":"Success","results":{"current_version":"2.6","supported_versions":["2.6"]}}""");
        }

        var id = request.Path[(request.Path.LastIndexOf('/') + 1)..];
        var body = JsonNode.Parse(request.Body)!;
        if (request.Method == "POST")
        {
            var ek = TpmPublic.Parse(Convert.FromBase64String(body["ek_tpm"]!.GetValue<string>()));
            _akPublic = Convert.FromBase64String(body["aik_tpm"]!.GetValue<string>());
            var secret = RandomNumberGenerator.GetBytes(32);
            _credentials[id] = secret;
            RegisteredId = id;
            var blob = MakeCredential.Create(ek, TpmPublic.Parse(_akPublic).Name, secret);
            return new(200, "{\"code\":200,\"status\":\"Success\",\"results\":{\"blob\":\"" + blob.ToBase64() + "\"}}");
        }

        var tag = body["auth_tag"]!.GetValue<string>();
        if (!ActivationProof.Verify(ActivationProof.KeyFor(_credentials[id]), id, tag))
        {
            Failures.Enqueue("auth_tag does not match");
            return new(400, """{"code":400,"status":"auth_tag mismatch","results":{}}""");
        }

        Interlocked.Increment(ref _activated);
        return new(200, """{"code":200,"status":"Success","results":{}}""");
    }

    public PeerResponse Verifier(RecordedRequest request)
    {
        var body = request.Body.Length > 0 ? JsonNode.Parse(request.Body) : null;
        if (request.Path.EndsWith("/sessions", StringComparison.Ordinal))
        {
            var id = "s" + Interlocked.Increment(ref _sessions);
            var challenge = RandomNumberGenerator.GetBytes(32);
            _challenges[id] = challenge;
            return new(200, "{\"data\":{\"type\":\"session\",\"id\":\"" + id + "\",\"attributes\":{\"agent_id\":\"x\",\"authentication_requested\":[{\"authentication_class\":\"pop\",\"authentication_type\":\"tpm_pop\",\"chosen_parameters\":{\"challenge\":\"" + Convert.ToBase64String(challenge) + "\"}}]}}}");
        }

        if (request.Path.Contains("/sessions/", StringComparison.Ordinal))
        {
            var id = request.Path[(request.Path.LastIndexOf('/') + 1)..];
            var proof = body!["data"]!["attributes"]!["authentication_provided"]![0]!["data"]!;
            var result = CertifyVerifier.ForKey(_akPublic!).VerifySelfCertification(
                Convert.FromBase64String(proof["message"]!.GetValue<string>()), Convert.FromBase64String(proof["signature"]!.GetValue<string>()), _challenges[id]);
            if (!result.IsValid)
            {
                Failures.Enqueue("PoP: " + result.Message);
                return new(401, """{"errors":[{"status":"401","detail":"proof does not verify"}]}""");
            }

            Interlocked.Increment(ref _proofsAccepted);
            return new(200, "{\"data\":{\"type\":\"session\",\"id\":\"" + id + "\",\"attributes\":{\"agent_id\":\"x\",\"evaluation\":\"pass\",\"token\":\"token-" + id + "\"}}}");
        }

        if (request.Header("Authorization") is not { } auth || !auth.StartsWith("Bearer token-s", StringComparison.Ordinal))
        {
            return new(401, """{"errors":[{"status":"401","detail":"no token"}]}""");
        }

        if (request.Method == "POST")
        {
            _nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(20));
            return new(201,
                "{\"data\":{\"type\":\"attestation\",\"attributes\":{\"stage\":\"awaiting_evidence\",\"evidence_requested\":[" +
                "{\"evidence_class\":\"certification\",\"evidence_type\":\"tpm_quote\",\"chosen_parameters\":{\"challenge\":\"" + _nonce +
                "\",\"signature_scheme\":\"rsassa\",\"hash_algorithm\":\"sha256\",\"selected_subjects\":{\"sha256\":[0,1,2,3,4,5,6,7,10]}}}," +
                "{\"evidence_class\":\"log\",\"evidence_type\":\"ima_log\",\"chosen_parameters\":{\"format\":\"text/plain\",\"starting_offset\":0}}," +
                "{\"evidence_class\":\"log\",\"evidence_type\":\"uefi_log\",\"chosen_parameters\":{\"format\":\"application/octet-stream\"}}]}}}",
                new Dictionary<string, string> { ["Location"] = request.Path + "/" + _sessions });
        }

        var quote = body!["data"]!["attributes"]!["evidence_collected"]![0]!["data"]!;
        var verification = QuoteVerifier.ForAk(_akPublic!).Verify(
            Convert.FromBase64String(quote["message"]!.GetValue<string>()),
            Convert.FromBase64String(quote["signature"]!.GetValue<string>()),
            Convert.FromBase64String(quote["subject_data"]!.GetValue<string>()),
            Convert.FromBase64String(_nonce!));
        if (!verification.IsValid)
        {
            Failures.Enqueue("quote: " + verification.Message);
            return new(400, """{"errors":[{"status":"400","detail":"quote does not verify"}]}""");
        }

        Interlocked.Increment(ref _quotesVerified);
        return new(202, "{\"data\":{\"type\":\"attestation\",\"attributes\":{\"stage\":\"evaluating_evidence\",\"evidence\":[]}},\"meta\":{\"seconds_to_next_attestation\":" + SecondsToNextAttestation + "}}");
    }
}
