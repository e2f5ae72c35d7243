using System.Text.Json.Nodes;
using Keylime.Tenant.Transport;

namespace Keylime.Tenant.Registrar;

/// <summary>
/// The registrar verbs (<c>regstatus</c>, <c>reglist</c>, <c>regdelete</c>) and the agent lookup
/// <c>add</c> needs: all over HTTPS to <c>registrar_port</c> with the tenant's client certificate
/// (spec/registrar.md §10.1).
/// </summary>
public static class RegistrarCommands
{
    /// <summary>
    /// The agent's active registrar record. Not registered, not activated, or a record without the
    /// mandatory keys is a failure naming the registrar's reason.
    /// </summary>
    public static async Task<RegistrarAgent> GetAgentAsync(TenantContext ctx, CancellationToken ct)
    {
        var client = ctx.Registrar;
        var response = await client.SendVersionedAsync(HttpMethod.Get, $"/agents/{ctx.AgentId}", null, ct);
        if (response.Status != 200)
        {
            throw new TenantException(
                $"{ctx.AgentDisplay} data not found in {client.Server.Display}: {response.Status} {response.Detail}");
        }

        if (response.Body is not JsonObject { } body || body["results"] is not JsonObject results)
        {
            throw new TenantException($"unexpected http response body from {client.Server.Display}: no results");
        }

        var missing = RegistrarAgent.MandatoryFields.Where(f => !results.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            throw new TenantException($"did not receive {string.Join(", ", missing)} from {client.Server.Display}");
        }

        return new RegistrarAgent(results);
    }

    /// <summary><c>-c regstatus</c>: prints <c>{uuid: record + operational_state "Registered"}</c>.</summary>
    public static async Task RegStatusAsync(TenantContext ctx, CancellationToken ct)
    {
        var server = ctx.RegistrarServer;
        RegistrarAgent agent;
        try
        {
            agent = await GetAgentAsync(ctx, ct);
        }
        catch (TenantException e) when (e.InnerException is null)
        {
            throw new TenantException(
                $"{ctx.AgentDisplay} does not exist on {server.Display}. Check the agent logs for error messages while attempting to get registered. ({e.Message})");
        }

        var info = agent.Summary();
        info["operational_state"] = "Registered";
        ctx.Output.Info($"Status from {server.Display}: Agent {ctx.AgentId} exists on registrar {server.Host} port {server.Port}.");
        ctx.Output.Json(new JsonObject { [ctx.AgentId] = info });
    }

    /// <summary><c>-c reglist</c>: prints the registrar's <c>results</c> (<c>{"uuids": [...]}</c>).</summary>
    public static async Task RegListAsync(TenantContext ctx, CancellationToken ct)
    {
        var client = ctx.Registrar;
        var response = await client.SendVersionedAsync(HttpMethod.Get, "/agents/", null, ct);
        if (response.Status != 200)
        {
            throw Unexpected(client.Server, "listing agents", response);
        }

        ctx.Output.Info($"Agent list from {client.Server.Display} retrieved:");
        ctx.Output.Json(response.Results);
    }

    /// <summary>
    /// <c>-c regdelete</c>: deletes the registration; anything but 200 is a failure, and an agent the
    /// registrar does not know says so (Keylime's tenant only warns and exits 0).
    /// </summary>
    public static async Task RegDeleteAsync(TenantContext ctx, CancellationToken ct)
    {
        var client = ctx.Registrar;
        var response = await client.SendVersionedAsync(HttpMethod.Delete, $"/agents/{ctx.AgentId}", [], ct);
        if (response.Status == 404)
        {
            throw new TenantException($"{ctx.AgentDisplay} does not exist on {client.Server.Display}: nothing deleted.");
        }

        if (response.Status != 200)
        {
            throw Unexpected(client.Server, $"deleting {ctx.AgentDisplay}", response);
        }

        ctx.Output.Info($"{ctx.AgentDisplay} deleted from {client.Server.Display}");
    }

    internal static TenantException Unexpected(KeylimeServer server, string action, ServerResponse response) =>
        new($"{server.Display} answered {response.Status} while {action}: {response.Detail}");
}
