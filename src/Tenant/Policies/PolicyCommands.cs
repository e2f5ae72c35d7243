using System.Text;
using System.Text.Json.Nodes;
using Keylime.Tenant.Output;
using Keylime.Tenant.Transport;

namespace Keylime.Tenant.Policies;

/// <summary>
/// Named policies on the verifier (spec/verifier.md §5): runtime (IMA) policies under
/// <c>/allowlists</c> and measured-boot policies under <c>/mbpolicies</c>, with Keylime's verbs
/// (add/show/list/update/delete + runtimepolicy|mbpolicy). Each prints the verifier's JSON answer,
/// as Keylime's tenant does; an answer ≥ 400 is a failure carrying the verifier's reason.
/// </summary>
public static class PolicyCommands
{
    private sealed record Kind(string Path, string Label, string NameOption);

    private static readonly Kind Runtime = new("allowlists", "runtime policy", "--runtime-policy-name");
    private static readonly Kind MeasuredBoot = new("mbpolicies", "measured boot policy", "--mb-policy-name");

    public static Task AddRuntimeAsync(TenantContext ctx, CancellationToken ct) => UploadRuntimeAsync(ctx, HttpMethod.Post, ct);

    public static Task UpdateRuntimeAsync(TenantContext ctx, CancellationToken ct) => UploadRuntimeAsync(ctx, HttpMethod.Put, ct);

    public static Task ShowRuntimeAsync(TenantContext ctx, CancellationToken ct) =>
        SendAsync(ctx, HttpMethod.Get, $"/{Runtime.Path}/{Name(Runtime, ctx.Arguments.RuntimePolicyName, "show")}", null, "Show allowlist", ct);

    public static Task ListRuntimeAsync(TenantContext ctx, CancellationToken ct) =>
        SendAsync(ctx, HttpMethod.Get, $"/{Runtime.Path}/", null, "list", ct);

    public static Task DeleteRuntimeAsync(TenantContext ctx, CancellationToken ct) =>
        SendAsync(ctx, HttpMethod.Delete, $"/{Runtime.Path}/{Name(Runtime, ctx.Arguments.RuntimePolicyName, "delete")}", [], "deleteruntimepolicy", ct);

    public static Task AddMbAsync(TenantContext ctx, CancellationToken ct) => UploadMbAsync(ctx, HttpMethod.Post, ct);

    public static Task UpdateMbAsync(TenantContext ctx, CancellationToken ct) => UploadMbAsync(ctx, HttpMethod.Put, ct);

    public static Task ShowMbAsync(TenantContext ctx, CancellationToken ct) =>
        SendAsync(ctx, HttpMethod.Get, $"/{MeasuredBoot.Path}/{Name(MeasuredBoot, ctx.Arguments.MbPolicyName, "show")}", null, "showmbpolicy", ct);

    public static Task ListMbAsync(TenantContext ctx, CancellationToken ct) =>
        SendAsync(ctx, HttpMethod.Get, $"/{MeasuredBoot.Path}/", null, "listmbpolicy", ct);

    public static Task DeleteMbAsync(TenantContext ctx, CancellationToken ct) =>
        SendAsync(ctx, HttpMethod.Delete, $"/{MeasuredBoot.Path}/{Name(MeasuredBoot, ctx.Arguments.MbPolicyName, "delete")}", [], "deletembpolicy", ct);

    /// <summary>Body of a runtime policy upload: <c>{"tpm_policy", "runtime_policy", "runtime_policy_key"}</c>.</summary>
    public static JsonObject RuntimeBody(PolicyInputs p) => new()
    {
        ["tpm_policy"] = p.TpmPolicy.ToJsonString(),
        ["runtime_policy"] = p.RuntimePolicy,
        ["runtime_policy_key"] = p.RuntimePolicyKey,
    };

    /// <summary>Body of a measured-boot policy upload: <c>{"mb_policy": &lt;policy JSON text or null&gt;}</c>.</summary>
    public static JsonObject MbBody(PolicyInputs p) => new() { ["mb_policy"] = p.MbPolicy };

    private static Task UploadRuntimeAsync(TenantContext ctx, HttpMethod method, CancellationToken ct)
    {
        var name = Name(Runtime, ctx.Arguments.RuntimePolicyName, method == HttpMethod.Post ? "add" : "update");
        var body = RuntimeBody(PolicyInputs.From(ctx.Arguments, ctx.Settings.MbRefstate));
        return SendAsync(ctx, method, $"/{Runtime.Path}/{name}", Encoding.UTF8.GetBytes(PythonJson.Dumps(body)), null, ct);
    }

    private static Task UploadMbAsync(TenantContext ctx, HttpMethod method, CancellationToken ct)
    {
        var name = Name(MeasuredBoot, ctx.Arguments.MbPolicyName, method == HttpMethod.Post ? "add" : "update");
        var body = MbBody(PolicyInputs.From(ctx.Arguments, ctx.Settings.MbRefstate));
        return SendAsync(ctx, method, $"/{MeasuredBoot.Path}/{name}", Encoding.UTF8.GetBytes(PythonJson.Dumps(body)), null, ct);
    }

    private static string Name(Kind kind, string? name, string action) =>
        string.IsNullOrEmpty(name)
            ? throw new TenantException($"{kind.NameOption} is required to {action} a {kind.Label}")
            : Uri.EscapeDataString(name);

    private static async Task SendAsync(TenantContext ctx, HttpMethod method, string path, byte[]? body, string? label, CancellationToken ct)
    {
        var verifier = ctx.Verifier;
        ServerResponse response = await verifier.SendVersionedAsync(method, path, body, ct);
        if (label is not null)
        {
            ctx.Output.Info($"{label} command response: {response.Status}.");
        }

        if (response.Status >= 400)
        {
            throw new TenantException($"{verifier.Server.Display} answered {response.Status} to {method} {path}: {response.Detail}");
        }

        ctx.Output.Json(response.Body ?? new JsonObject());
    }
}
