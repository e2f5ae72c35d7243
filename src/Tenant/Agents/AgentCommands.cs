using System.Text.Json.Nodes;
using Keylime.Tenant.Policies;
using Keylime.Tenant.Registrar;
using Keylime.Tenant.Transport;

namespace Keylime.Tenant.Agents;

/// <summary>
/// The verifier agent verbs: <c>add</c>, <c>update</c>, <c>delete</c>, <c>cvstatus</c>, <c>status</c>,
/// <c>cvlist</c>, <c>bulkinfo</c>, <c>reactivate</c> (keylime/tenant.py do_cv*; spec/verifier.md §4).
/// </summary>
public static class AgentCommands
{
    /// <summary>
    /// <c>-c add --push-model</c>: fetch the agent from the registrar, check its EK certificate when
    /// <c>require_ek_cert</c>, enroll its AK with the verifier, wait until the verifier lists it, print its status.
    /// </summary>
    public static async Task AddAsync(TenantContext ctx, CancellationToken ct)
    {
        var body = await PrepareEnrollmentAsync(ctx, ct);
        await EnrollAsync(ctx, body, ct);
    }

    /// <summary>
    /// <c>-c update</c>: Keylime's delete-then-add with the same body. Like <c>delete</c>, an agent the
    /// verifier does not know fails before anything is enrolled (<c>add</c> enrolls a new one).
    /// </summary>
    public static async Task UpdateAsync(TenantContext ctx, CancellationToken ct)
    {
        var body = await PrepareEnrollmentAsync(ctx, ct);
        await DeleteAsync(ctx, ct);
        await EnrollAsync(ctx, body, ct);
    }

    private static async Task<byte[]> PrepareEnrollmentAsync(TenantContext ctx, CancellationToken ct)
    {
        if (!ctx.Arguments.PushModel)
        {
            throw new TenantException(
                "Only push-model enrollment is implemented: use --push-model (pull mode needs a quote from the agent)");
        }

        var agent = await RegistrarCommands.GetAgentAsync(ctx, ct);
        if (!ctx.Settings.RequireEkCert)
        {
            ctx.Output.Warn($"EK cert checking is disabled (require_ek_cert = False) for {ctx.AgentDisplay}. Keylime is not secure!!");
        }
        else if (EkCertificateCheck.Problem(agent, ctx.Settings.TpmCertStore, ctx.Time) is { } problem)
        {
            throw new TenantException($"{problem} for {ctx.AgentDisplay}");
        }

        var policies = PolicyInputs.From(ctx.Arguments, ctx.Settings.MbRefstate);
        var args = ctx.Arguments;
        var agentIp = args.AgentIp is { } ip ? JsonValue.Create(ip) : agent.Ip;
        var target = new EnrollmentBody.Target(
            CloudAgentIp: args.CvAgentIp is { } cvIp ? JsonValue.Create(cvIp) : agentIp,
            CloudAgentPort: args.AgentPort is { } port ? JsonValue.Create(port) : agent.Port,
            VerifierIp: ctx.Settings.VerifierIp,
            VerifierPort: ctx.Settings.VerifierPort,
            // Keylime: an agent that registered no mTLS certificate speaks API 1.0; a push agent is never asked.
            SupportedVersion: args.AgentApiVersion ?? (agent.MtlsCert is null ? "1.0" : ServerClient.CurrentApiVersion),
            ctx.Settings.AcceptTpmHashAlgs,
            ctx.Settings.AcceptTpmEncryptionAlgs,
            ctx.Settings.AcceptTpmSigningAlgs);
        ctx.Output.Info($"TPM PCR Mask from policy is {policies.TpmPolicy.Mask}");
        return EnrollmentBody.Encode(EnrollmentBody.Build(target, policies, agent));
    }

    private static async Task EnrollAsync(TenantContext ctx, byte[] body, CancellationToken ct)
    {
        var verifier = ctx.Verifier;
        var response = await verifier.SendVersionedAsync(HttpMethod.Post, $"/agents/{ctx.AgentId}", body, ct);
        var where = verifier.Server.Display;
        switch (response.Status)
        {
            case 200:
                break;
            case 503:
                throw new TenantException($"Cannot connect to {where} while adding {ctx.AgentDisplay}. Connection refused.");
            case 504:
                throw new TenantException($"{where} timed out while adding {ctx.AgentDisplay}");
            case 409:
                throw new TenantException(
                    $"{where} responded indicating a conflict for agent {ctx.AgentDisplay}. Run \"delete\" or \"update\" first. ({response.Detail})");
            default:
                throw new TenantException($"POST command response: {response.Status} Unexpected response from {where}: {response.Detail}");
        }

        var (status, tries) = await PollAsync(ctx, wantPresent: true, ct);
        ctx.Output.Info($"{ctx.AgentDisplay} added to {where} after {tries} tries");
        ctx.Output.Info($"Agent Info from {where}:");
        ctx.Output.Json(AgentStatus.Shape(ctx, status));
    }

    /// <summary>Polls the status until the agent is present (or absent), with Keylime's retry schedule.</summary>
    private static async Task<(ServerResponse Status, int Tries)> PollAsync(TenantContext ctx, bool wantPresent, CancellationToken ct)
    {
        var s = ctx.Settings;
        for (var tries = 0; ; )
        {
            var status = await AgentStatus.GetAsync(ctx, notFoundFails: false, ct);
            if ((status.Status == 200) == wantPresent)
            {
                return (status, tries);
            }

            tries++;
            if (tries >= s.MaxRetries)
            {
                var state = wantPresent ? "still not added to" : "was not deleted from";
                throw new TenantException($"{ctx.AgentDisplay} {state} {ctx.Verifier.Server.Display} after {tries} tries");
            }

            await Task.Delay(RetryDelay(s.ExponentialBackoff, s.RetryInterval, tries), ctx.Time, ct);
        }
    }

    /// <summary>Keylime's retry.retry_time: base^n with exponential backoff (base &gt; 1), else the base.</summary>
    public static TimeSpan RetryDelay(bool exponential, double interval, int tries) =>
        TimeSpan.FromSeconds(exponential && interval > 1 ? Math.Pow(interval, tries) : Math.Abs(interval));

    /// <summary><c>-c cvstatus</c>.</summary>
    public static async Task CvStatusAsync(TenantContext ctx, CancellationToken ct)
    {
        var response = await AgentStatus.GetAsync(ctx, notFoundFails: true, ct);
        ctx.Output.Info($"Agent Info from {ctx.Verifier.Server.Display}:");
        ctx.Output.Json(AgentStatus.Shape(ctx, response));
    }

    /// <summary><c>-c status</c>: the registrar record, then the verifier status; missing from either is a failure.</summary>
    public static async Task StatusAsync(TenantContext ctx, CancellationToken ct)
    {
        await RegistrarCommands.RegStatusAsync(ctx, ct);
        await CvStatusAsync(ctx, ct);
    }

    /// <summary>
    /// <c>-c delete</c>: unless <c>-nvc</c>, look the agent up first and delete it at the verifier it is
    /// recorded at; 202 means "deleting", polled until gone. An agent the verifier does not know is a
    /// failure (exit 1), where Keylime's tenant logs "is deleted" and exits 0: a mistyped uuid must not
    /// look like a successful removal to a script.
    /// </summary>
    public static async Task DeleteAsync(TenantContext ctx, CancellationToken ct)
    {
        var seen = false;
        if (ctx.Arguments.VerifierCheck)
        {
            var status = await AgentStatus.GetAsync(ctx, notFoundFails: true, ct);
            ctx.UseVerifier(AgentStatus.RecordedVerifier(ctx, status));
            seen = true;
        }

        var verifier = ctx.Verifier;
        var response = await verifier.SendVersionedAsync(HttpMethod.Delete, $"/agents/{ctx.AgentId}", [], ct);
        switch (response.Code)
        {
            case 200:
                ctx.Output.Info($"Agent {ctx.AgentId} deleted from the CV");
                break;
            case 202:
                var (_, tries) = await PollAsync(ctx, wantPresent: false, ct);
                ctx.Output.Info($"{ctx.AgentDisplay} was deleted from {verifier.Server.Display} after {tries} tries");
                break;
            case 404 when seen:
                // Deleted by another caller between the lookup and the DELETE: the end state is reached.
                ctx.Output.Info($"Agent {ctx.AgentId} is already absent from the CV");
                break;
            case 404:
                throw AgentStatus.Unknown(ctx, verifier.Server);
            case 503:
                throw new TenantException($"Cannot connect to {verifier.Server.Display} to delete {ctx.AgentDisplay}. Connection refused.");
            case 504:
                throw new TenantException($"{verifier.Server.Display} timed out while deleting {ctx.AgentDisplay}.");
            default:
                throw new TenantException(
                    $"Unexpected response code {response.Code} from {verifier.Server.Display} while deleting {ctx.AgentDisplay}: {response.Detail}");
        }
    }

    /// <summary><c>-c reactivate</c>: lets a timed-out push agent attest again.</summary>
    public static async Task ReactivateAsync(TenantContext ctx, CancellationToken ct)
    {
        if (ctx.Arguments.VerifierCheck)
        {
            var status = await AgentStatus.GetAsync(ctx, notFoundFails: true, ct);
            ctx.UseVerifier(AgentStatus.RecordedVerifier(ctx, status));
        }

        var verifier = ctx.Verifier;
        var response = await verifier.SendVersionedAsync(HttpMethod.Put, $"/agents/{ctx.AgentId}/reactivate", [], ct);
        if (response.Status == 404)
        {
            throw AgentStatus.Unknown(ctx, verifier.Server);
        }

        if (response.Status != 200)
        {
            throw new TenantException(
                $"Reactivate command response: {response.Status} Unexpected response from {verifier.Server.Display}: {response.Detail}");
        }

        ctx.Output.Info($"{ctx.AgentDisplay} re-activated");
    }

    /// <summary><c>-c cvlist</c>: the verifier's agent ids (<c>{"uuids": [[id], ...]}</c>), filtered by <c>-vi</c>.</summary>
    public static async Task CvListAsync(TenantContext ctx, CancellationToken ct)
    {
        var verifier = ctx.Verifier;
        var response = await verifier.SendVersionedAsync(HttpMethod.Get, $"/agents/?verifier={Uri.EscapeDataString(ctx.Settings.VerifierId ?? "")}", null, ct);
        if (response.Status != 200)
        {
            throw RegistrarCommands.Unexpected(verifier.Server, "providing the agent list", response);
        }

        ctx.Output.Info($"Agent list from {verifier.Server.Display} retrieved:");
        ctx.Output.Json(response.Results);
    }

    /// <summary><c>-c bulkinfo</c>: every agent's status; push agents show "Not applicable (Push Mode)" as state.</summary>
    public static async Task BulkInfoAsync(TenantContext ctx, CancellationToken ct)
    {
        var verifier = ctx.Verifier;
        var response = await verifier.SendVersionedAsync(HttpMethod.Get, $"/agents/?bulk=True&verifier={Uri.EscapeDataString(ctx.Settings.VerifierId ?? "")}", null, ct);
        if (response.Status != 200)
        {
            throw RegistrarCommands.Unexpected(verifier.Server, "providing bulk status for all agents", response);
        }

        var results = (JsonObject)response.Results.DeepClone();
        foreach (var (_, info) in results)
        {
            if (info is JsonObject agent)
            {
                agent["operational_state"] = agent["operational_state"] is JsonValue v && v.TryGetValue<int>(out var state)
                    ? AgentStatus.StateName(state)
                    : "Not applicable (Push Mode)";
            }
        }

        ctx.Output.Info("Bulk Agent Info:");
        ctx.Output.Json(results);
    }
}
