using System.Collections.Concurrent;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>
/// A fake verifier with scripted attestation answers: session openings get the queued answers,
/// then pass (token <c>token-N</c>); capabilities and evidence get the queued answers, then the
/// default (201 / 202).
/// </summary>
public sealed class ScriptedVerifier
{
    private int _sessions;

    public ConcurrentQueue<PeerResponse> SessionOpenings { get; } = new();

    public ConcurrentQueue<PeerResponse> Capabilities { get; } = new();

    public ConcurrentQueue<PeerResponse> Evidence { get; } = new();

    public string EvidenceRequested { get; set; } = """
        [{"evidence_class":"certification","evidence_type":"tpm_quote","chosen_parameters":{"challenge":"x9ZcAB1uUWB4DcHpi0ZTlA==","signature_scheme":"rsassa","hash_algorithm":"sha256","selected_subjects":{"sha256":[0,1,2,3,4,5,6,7,10]}}},
         {"evidence_class":"log","evidence_type":"ima_log","chosen_parameters":{"format":"text/plain","starting_offset":820}},
         {"evidence_class":"log","evidence_type":"uefi_log","chosen_parameters":{"format":"application/octet-stream"}}]
        """;

    public PeerResponse Respond(RecordedRequest request)
    {
        if (request.Path.EndsWith("/sessions", StringComparison.Ordinal))
        {
            if (SessionOpenings.TryDequeue(out var refusal))
            {
                return refusal;
            }

            var n = Interlocked.Increment(ref _sessions);
            return new PeerResponse(200, "{\"data\":{\"type\":\"session\",\"id\":\"s" + n + "\",\"attributes\":{\"agent_id\":\"a\",\"authentication_requested\":[{\"authentication_class\":\"pop\",\"authentication_type\":\"tpm_pop\",\"chosen_parameters\":{\"challenge\":\"AAECAwQFBgcICQoLDA0ODw==\"}}]}}}");
        }

        if (request.Path.Contains("/sessions/", StringComparison.Ordinal))
        {
            var id = request.Path[(request.Path.LastIndexOf('/') + 1)..];
            return new PeerResponse(200, "{\"data\":{\"type\":\"session\",\"id\":\"" + id + "\",\"attributes\":{\"agent_id\":\"a\",\"evaluation\":\"pass\",\"token\":\"token-" + id + "\"}}}");
        }

        if (request.Method == "POST")
        {
            return Capabilities.TryDequeue(out var scripted) ? scripted : new PeerResponse(201,
                "{\"data\":{\"type\":\"attestation\",\"attributes\":{\"stage\":\"awaiting_evidence\",\"evidence_requested\":" + EvidenceRequested + "}}}",
                new Dictionary<string, string> { ["Location"] = request.Path + "/7" });
        }

        return Evidence.TryDequeue(out var answer) ? answer
            : new PeerResponse(202, """{"data":{"type":"attestation","attributes":{"stage":"evaluating_evidence","evidence":[]}},"meta":{"seconds_to_next_attestation":30}}""");
    }

    public static PeerResponse Error(int status, string detail) =>
        new(status, $$"""{"errors":[{"status":"{{status}}","title":"refused","detail":"{{detail}}"}]}""");
}
