using System.Text.Json;
using System.Text.Json.Serialization;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Policies;

/// <summary>Body of <c>POST/PUT /v2.x/mbpolicies/{name}</c> (tenant <c>addmbpolicy</c>).</summary>
public sealed record MeasuredBootPolicyUpload
{
    /// <summary>The reference state as JSON text (the tenant sends the file's text) or as an object.</summary>
    [JsonPropertyName("mb_policy"), JsonConverter(typeof(JsonTextConverter))]
    public string? MbPolicy { get; init; }
}

/// <summary>Stored measured-boot reference states (spec/verifier.md §5.2).</summary>
public sealed class MeasuredBootPolicyStore(VerifierDbContext db)
{
    /// <summary>A policy must be JSON; "" counts as none (Keylime treats it as absent).</summary>
    public static Outcome<string?> Normalize(string? policyText)
    {
        if (string.IsNullOrWhiteSpace(policyText))
        {
            return (string?)null;
        }

        try
        {
            using var document = JsonDocument.Parse(policyText);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? policyText
                : ApiFailure.BadRequest("mb_policy must be a JSON object", "/data/attributes/mb_policy");
        }
        catch (JsonException e)
        {
            return ApiFailure.BadRequest($"mb_policy is not valid JSON: {e.Message}", "/data/attributes/mb_policy");
        }
    }

    public Task<MeasuredBootPolicy?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.MeasuredBootPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == name, cancellationToken);

    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancellationToken) =>
        await db.MeasuredBootPolicies.AsNoTracking().OrderBy(p => p.Name).Select(p => p.Name).ToListAsync(cancellationToken);

    public async Task<ApiFailure?> CreateAsync(string name, MeasuredBootPolicyUpload upload, CancellationToken cancellationToken)
    {
        var policy = Normalize(upload.MbPolicy);
        if (policy.Failure is { } failure)
        {
            return failure;
        }

        if (policy.Value is null)
        {
            return ApiFailure.BadRequest("mb_policy is required", "/data/attributes/mb_policy");
        }

        if (await db.MeasuredBootPolicies.AnyAsync(p => p.Name == name, cancellationToken))
        {
            return ApiFailure.Conflict($"mb_policy with name {name} already exists");
        }

        db.MeasuredBootPolicies.Add(new MeasuredBootPolicy { Name = name, MbPolicy = policy.Value });
        return await StoreConflicts.SaveAsync(db, $"mb_policy with name {name} already exists", cancellationToken);
    }

    /// <summary>Replaces a policy. Keylime answers 409 for a missing one; 404 says what happened.</summary>
    public async Task<ApiFailure?> ReplaceAsync(string name, MeasuredBootPolicyUpload upload, CancellationToken cancellationToken)
    {
        var policy = Normalize(upload.MbPolicy);
        if (policy.Failure is { } failure)
        {
            return failure;
        }

        if (policy.Value is null)
        {
            return ApiFailure.BadRequest("mb_policy is required", "/data/attributes/mb_policy");
        }

        var updated = await db.MeasuredBootPolicies.Where(p => p.Name == name)
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.MbPolicy, policy.Value), cancellationToken);
        return updated == 0 ? ApiFailure.NotFound($"mb_policy {name} not found, use POST to create") : null;
    }

    public async Task<ApiFailure?> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var policy = await db.MeasuredBootPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == name, cancellationToken);
        if (policy is null)
        {
            return ApiFailure.NotFound($"mb_policy {name} not found");
        }

        var user = await db.Agents.Where(a => a.MbPolicyId == policy.Id).Select(a => a.AgentId).FirstOrDefaultAsync(cancellationToken);
        if (user is not null)
        {
            return ApiFailure.Conflict($"Can't delete mb_policy as it's currently in use by agent {user}");
        }

        return await StoreConflicts.RunAsync(
            () => db.MeasuredBootPolicies.Where(p => p.Id == policy.Id).ExecuteDeleteAsync(cancellationToken),
            $"Can't delete mb_policy {name} as it's currently in use");
    }
}
