using Keylime.Shared.Configuration;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Policies;

/// <summary>Body of <c>POST/PUT /v2.x/allowlists/{name}</c> (tenant <c>addruntimepolicy</c>).</summary>
public sealed record RuntimePolicyUpload
{
    [JsonPropertyName("tpm_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? TpmPolicy { get; init; }

    /// <summary>Base64 of the policy JSON (possibly a DSSE envelope).</summary>
    [JsonPropertyName("runtime_policy")]
    public string? RuntimePolicy { get; init; }

    [JsonPropertyName("runtime_policy_key")]
    public string? RuntimePolicyKey { get; init; }
}

/// <summary>
/// Stored runtime (IMA) policies (spec/verifier.md §5.1): validation on upload, unique names, and
/// no deletion while an agent uses the policy.
/// </summary>
public sealed class RuntimePolicyStore(VerifierDbContext db, IRuntimePolicyValidator validator, VerifierOptions settings)
{
    /// <summary>Keylime's built-in empty policy (generator 1): IMA is not checked for agents that use it.</summary>
    public const string EmptyPolicyText =
        """{"meta": {"version": 1, "generator": 1}, "release": 0, "digests": {}, "excludes": [], "keyrings": {}, "ima": {"ignored_keyrings": [], "log_hash_alg": "sha1", "dm_policy": null}, "ima-buf": {}, "verification-keys": ""}""";

    /// <summary>Decodes the base64 policy of an upload; "" or null = no policy.</summary>
    public static Outcome<string?> DecodePolicy(string? base64)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return (string?)null;
        }

        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written))
        {
            return ApiFailure.BadRequest("Exception error: runtime_policy is not base64", "/data/attributes/runtime_policy");
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return ApiFailure.BadRequest("Exception error: runtime_policy is not UTF-8 text", "/data/attributes/runtime_policy");
        }
    }

    /// <summary>Validates a policy and builds its row (not yet added).</summary>
    public Outcome<RuntimePolicy> Build(string name, string policyText, string? policyKey, string? tpmPolicy)
    {
        var checkedPolicy = validator.Validate(policyText, policyKey, settings.RequireAllowListSignatures);
        if (checkedPolicy.Failure is { } failure)
        {
            return failure;
        }

        return new RuntimePolicy
        {
            Name = name,
            ImaPolicy = policyText == "{}" ? null : policyText,
            Generator = checkedPolicy.Value!.Generator,
            Checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(policyText))),
            TpmPolicy = string.IsNullOrEmpty(tpmPolicy) ? null : tpmPolicy,
        };
    }

    public Task<RuntimePolicy?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.RuntimePolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == name, cancellationToken);

    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken) =>
        await db.RuntimePolicies.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(cancellationToken);

    public async Task<ApiFailure?> CreateAsync(string name, RuntimePolicyUpload upload, CancellationToken cancellationToken)
    {
        var built = BuildFromUpload(name, upload);
        if (built.Failure is { } failure)
        {
            return failure;
        }

        if (await db.RuntimePolicies.AnyAsync(p => p.Name == name, cancellationToken))
        {
            return ApiFailure.Conflict($"Runtime policy with name {name} already exists");
        }

        db.RuntimePolicies.Add(built.Value!);
        return await StoreConflicts.SaveAsync(db, $"Runtime policy with name {name} already exists", cancellationToken);
    }

    public async Task<ApiFailure?> ReplaceAsync(string name, RuntimePolicyUpload upload, CancellationToken cancellationToken)
    {
        var built = BuildFromUpload(name, upload);
        if (built.Failure is { } failure)
        {
            return failure;
        }

        var policy = built.Value!;
        var updated = await db.RuntimePolicies.Where(p => p.Name == name).ExecuteUpdateAsync(
            set => set.SetProperty(p => p.ImaPolicy, policy.ImaPolicy)
                .SetProperty(p => p.Generator, policy.Generator)
                .SetProperty(p => p.Checksum, policy.Checksum)
                .SetProperty(p => p.TpmPolicy, policy.TpmPolicy),
            cancellationToken);
        return updated == 0
            ? ApiFailure.NotFound($"Runtime policy with name {name} does not already exist, use POST to create")
            : null;
    }

    public async Task<ApiFailure?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var policy = await db.RuntimePolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == name, cancellationToken);
        if (policy is null)
        {
            return ApiFailure.NotFound($"Runtime policy {name} not found");
        }

        var user = await db.Agents.Where(a => a.RuntimePolicyId == policy.Id).Select(a => a.AgentId).FirstOrDefaultAsync(cancellationToken);
        if (user is not null)
        {
            return ApiFailure.Conflict($"Can't delete allowlist as it's currently in use by agent {user}");
        }

        return await StoreConflicts.RunAsync(
            () => db.RuntimePolicies.Where(p => p.Id == policy.Id).ExecuteDeleteAsync(cancellationToken),
            $"Can't delete allowlist {name} as it's currently in use");
    }

    private Outcome<RuntimePolicy> BuildFromUpload(string name, RuntimePolicyUpload upload)
    {
        var decoded = DecodePolicy(upload.RuntimePolicy);
        if (decoded.Failure is { } failure)
        {
            return failure;
        }

        if (decoded.Value is null)
        {
            return ApiFailure.BadRequest("No IMA policy provided!", "/data/attributes/runtime_policy");
        }

        return Build(name, decoded.Value, upload.RuntimePolicyKey, upload.TpmPolicy);
    }
}
