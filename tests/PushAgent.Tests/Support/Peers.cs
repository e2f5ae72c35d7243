using System.Text.Json.Nodes;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>Scripts for <see cref="FakePeer"/>: a registrar that accepts everyone, a verifier replaying push_cycle.md.</summary>
public static class Peers
{
    public static readonly CredentialBlob Blob = new([0x00, 0x22, 1, 2, 3], [0xAA, 0xBB, 0xCC]);

    /// <summary>Registrar API 2.6 answers in Keylime's envelope (shapes of data/push-agent-requests/registrar.json).</summary>
    public static PeerResponse Registrar(RecordedRequest request) => (request.Method, request.Path) switch
    {
        ("GET", "/version") => Json(200, """{"code":200,"status":"Success","results":{"current_version":"2.6","supported_versions":["2.5","2.6"]}}"""),
        ("POST", _) => Json(200, $$$"""{"code":200,"status":"Success","results":{"blob":"{{{Blob.ToBase64()}}}"}}"""),
        ("PUT", _) => Json(200, """{"code":200,"status":"Success","results":{}}"""),
        _ => Json(404, """{"code":404,"status":"Not Found","results":{}}"""),
    };

    /// <summary>
    /// Keylime's verifier as recorded: each kind of request gets the recorded answers in order (the
    /// last one repeating). Session ids in PATCH paths come from the recorded POST answers.
    /// </summary>
    public static Func<RecordedRequest, PeerResponse> ReplayVerifier(IReadOnlyList<CapturedExchange> capture)
    {
        var patchedSessions = capture.Where(e => e.Method == "PATCH" && e.Path.Contains("/sessions/", StringComparison.Ordinal))
            .Select(e => e.Path[(e.Path.LastIndexOf('/') + 1)..]).ToHashSet();
        var queues = new Dictionary<string, Queue<CapturedExchange>>
        {
            ["POST sessions"] = new(capture.Where(e => e.Method == "POST" && e.Path.EndsWith("/sessions", StringComparison.Ordinal)
                && patchedSessions.Contains(JsonNode.Parse(e.ResponseBody)!["data"]!["id"]!.GetValue<string>()))),
            ["PATCH sessions"] = new(capture.Where(e => e.Method == "PATCH" && e.Path.Contains("/sessions/", StringComparison.Ordinal))),
            ["POST attestations"] = new(capture.Where(e => e.Method == "POST" && e.Path.EndsWith("/attestations", StringComparison.Ordinal))),
            ["PATCH attestations"] = new(capture.Where(e => e.Method == "PATCH" && e.Path.Contains("/attestations/", StringComparison.Ordinal))),
        };
        var last = new Dictionary<string, CapturedExchange>();
        var gate = new Lock();
        return request =>
        {
            var kind = $"{request.Method} {(request.Path.Contains("/sessions", StringComparison.Ordinal) ? "sessions" : "attestations")}";
            lock (gate)
            {
                if (!queues.TryGetValue(kind, out var queue))
                {
                    return Json(405, """{"errors":[{"status":"405","title":"Method Not Allowed"}]}""");
                }

                var exchange = queue.Count > 0 ? last[kind] = queue.Dequeue() : last[kind];
                var headers = exchange.ResponseHeaders.Where(h => h.Key != "Content-Type").ToDictionary(h => h.Key, h => h.Value);
                return new PeerResponse(exchange.Status, exchange.ResponseBody, headers);
            }
        };
    }

    public static PeerResponse Json(int status, string body, IReadOnlyDictionary<string, string>? headers = null) => new(status, body, headers);
}
