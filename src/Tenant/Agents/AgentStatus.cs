using System.Globalization;
using System.Text.Json.Nodes;
using Keylime.Tenant.Transport;

namespace Keylime.Tenant.Agents;

/// <summary>
/// Reading an agent's verifier status (<c>GET /v2.x/agents/{id}</c>, spec/verifier.md §4.2) and
/// shaping it as Keylime's tenant prints it: <c>{"&lt;uuid&gt;": {...}}</c>, with
/// <c>operational_state</c> dropped in push mode (push status is <c>attestation_status</c>) and
/// otherwise spelled as a state name.
/// </summary>
public static class AgentStatus
{
    private static readonly string[] StateNames =
    [
        "Registered", "Start", "Saved", "Get Quote", "Get Quote (retry)", "Provide V", "Provide V (retry)",
        "Failed", "Terminated", "Invalid Quote", "Tenant Quote Failed",
    ];

    /// <summary>Keylime's states.state_to_str.</summary>
    public static string StateName(int state) =>
        state >= 0 && state < StateNames.Length ? StateNames[state] : throw new TenantException($"Invalid agent state {state}");

    /// <summary>
    /// The status answer; 404 is returned (not thrown) unless <paramref name="notFoundFails"/>, any other
    /// non-200 answer is a failure.
    /// </summary>
    public static async Task<ServerResponse> GetAsync(TenantContext ctx, bool notFoundFails, CancellationToken ct)
    {
        var verifier = ctx.Verifier;
        var response = await verifier.SendVersionedAsync(HttpMethod.Get, $"/agents/{ctx.AgentId}", null, ct);
        switch (response.Status)
        {
            case 200:
                return response;
            case 404 when !notFoundFails:
                return response;
            case 404:
                throw Unknown(ctx, verifier.Server);
            case 503:
                throw new TenantException($"Cannot connect to {verifier.Server.Display}. Connection refused.");
            case 504:
                throw new TenantException($"{verifier.Server.Display} timed out.");
            default:
                throw new TenantException(
                    $"Status command response: {response.Status}. Unexpected response from {verifier.Server.Display} while checking status for {ctx.AgentDisplay}: {response.Detail}");
        }
    }

    /// <summary>The failure for an agent the verifier does not know (status, delete, update, reactivate).</summary>
    public static TenantException Unknown(TenantContext ctx, KeylimeServer verifier) =>
        new($"{ctx.AgentDisplay} does not exist on {verifier.Display}.");

    /// <summary>The printed form: <c>{uuid: results}</c> with the operational state handled per mode.</summary>
    public static JsonObject Shape(TenantContext ctx, ServerResponse response)
    {
        var results = (JsonObject)response.Results.DeepClone();
        if (ctx.Arguments.PushModel)
        {
            results.Remove("operational_state");
        }
        else if (results["operational_state"] is JsonValue v && v.TryGetValue<int>(out var state))
        {
            results["operational_state"] = StateName(state);
        }

        return new JsonObject { [ctx.AgentId] = results };
    }

    /// <summary>The verifier an agent is recorded at (its <c>verifier_ip</c>/<c>verifier_port</c>/<c>verifier_id</c>).</summary>
    public static KeylimeServer RecordedVerifier(TenantContext ctx, ServerResponse response)
    {
        var r = response.Results;
        var current = ctx.VerifierServer;
        var ip = r["verifier_ip"] is JsonValue i && i.TryGetValue<string>(out var s) ? s : current.Host;
        var port = r["verifier_port"] switch
        {
            JsonValue p when p.TryGetValue<int>(out var n) => n.ToString(CultureInfo.InvariantCulture),
            JsonValue p when p.TryGetValue<string>(out var t) => t,
            _ => current.Port,
        };
        var id = r["verifier_id"] is JsonValue d && d.TryGetValue<string>(out var vid) ? vid : null;
        return new KeylimeServer(id is null ? "Verifier" : $"Verifier {id}", ip, port);
    }
}
