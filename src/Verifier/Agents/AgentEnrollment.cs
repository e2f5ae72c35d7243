using Keylime.Shared.Configuration;
using Keylime.Verifier.Api;
using Keylime.Verifier.Data;
using Keylime.Verifier.Policies;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Agents;

/// <summary>
/// Enrollment (spec/verifier.md §4.1): input checks (400), then runtime policy name (409/404),
/// then duplicate agent (409), then runtime policy validation (400/401), then measured-boot policy
/// (409/404), then the insert — Keylime's order, so the same request gets the same answer. Unlike
/// Keylime, everything is written in one transaction: a refused enrollment stores nothing.
/// </summary>
public sealed class AgentEnrollment(
    VerifierDbContext db,
    RuntimePolicyStore runtimePolicies,
    VerifierOptions settings,
    TimeProvider time)
{
    /// <summary>API versions an agent may declare; anything else is recorded as the current one (Keylime does the same).</summary>
    private static readonly HashSet<string> KnownVersions = ["1.0", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.0"];

    private const string CurrentVersion = "2.6";

    private sealed record ValidEnrollment(EnrollRequest Request, byte[] AkTpm, string TpmPolicy, string? RuntimePolicyText, string? MbPolicyText);

    public async Task<ApiFailure?> EnrollAsync(string agentId, EnrollRequest request, CancellationToken cancellationToken)
    {
        var checkedInput = CheckInput(request);
        if (checkedInput.Failure is { } inputFailure)
        {
            return inputFailure;
        }

        var input = checkedInput.Value!;
        var runtimePolicy = await ResolveRuntimePolicyAsync(agentId, input, cancellationToken);
        if (runtimePolicy.Failure is { } runtimeFailure)
        {
            return runtimeFailure;
        }

        var mbPolicy = await ResolveMbPolicyAsync(agentId, input, cancellationToken);
        if (mbPolicy.Failure is { } mbFailure)
        {
            return mbFailure;
        }

        db.Agents.Add(NewAgent(agentId, input, runtimePolicy.Value!, mbPolicy.Value!));
        return await StoreConflicts.SaveAsync(db, AlreadyExists(agentId), cancellationToken);
    }

    private Outcome<ValidEnrollment> CheckInput(EnrollRequest request)
    {
        if (string.IsNullOrEmpty(request.TpmPolicy))
        {
            return ApiFailure.BadRequest("Exception error: 'tpm_policy' is required", "/data/attributes/tpm_policy");
        }

        if (TpmPolicyRules.Validate(request.TpmPolicy) is { } policyFailure)
        {
            return policyFailure;
        }

        if (!BinaryText.TryDecode(request.AkTpm, out var ak))
        {
            return ApiFailure.BadRequest("Exception error: 'ak_tpm' must be a base64 TPM2B_PUBLIC", "/data/attributes/ak_tpm");
        }

        if (AttestationKeyCheck.Refuse(ak) is { } akReason)
        {
            return ApiFailure.BadRequest($"Invalid ak_tpm: {akReason}", "/data/attributes/ak_tpm");
        }

        var runtimeText = RuntimePolicyStore.DecodePolicy(request.RuntimePolicy);
        if (runtimeText.Failure is { } runtimeFailure)
        {
            return runtimeFailure;
        }

        var mbText = MeasuredBootPolicyStore.Normalize(request.MbPolicy);
        if (mbText.Failure is { } mbFailure)
        {
            return mbFailure;
        }

        foreach (var name in new[] { request.RuntimePolicyName, request.MbPolicyName })
        {
            if (!string.IsNullOrEmpty(name) && PolicyNames.Check(name) is { } nameFailure)
            {
                return nameFailure;
            }
        }

        return new ValidEnrollment(request, ak, request.TpmPolicy, runtimeText.Value, mbText.Value);
    }

    private async Task<Outcome<RuntimePolicy>> ResolveRuntimePolicyAsync(string agentId, ValidEnrollment input, CancellationToken cancellationToken)
    {
        var name = input.Request.RuntimePolicyName;
        var text = input.RuntimePolicyText;
        RuntimePolicy? stored = null;
        if (!string.IsNullOrEmpty(name))
        {
            stored = await db.RuntimePolicies.FirstOrDefaultAsync(p => p.Name == name, cancellationToken);
            if (stored is not null && text is not null)
            {
                return ApiFailure.Conflict(
                    $"IMA policy with name {name} already exists. Please use a different name or delete the allowlist from the verifier.");
            }

            if (stored is null && text is null)
            {
                return ApiFailure.NotFound($"Could not find IMA policy with name {name}!");
            }
        }

        if (await db.Agents.AnyAsync(a => a.AgentId == agentId, cancellationToken))
        {
            return ApiFailure.Conflict(AlreadyExists(agentId));
        }

        if (stored is not null)
        {
            return stored;
        }

        // Unnamed policies (and the built-in empty one) are stored under the agent's id; an
        // existing row of that name is reused, as Keylime does, but never silently replaced.
        name = string.IsNullOrEmpty(name) ? agentId : name;
        var existing = await db.RuntimePolicies.FirstOrDefaultAsync(p => p.Name == name, cancellationToken);
        if (existing is not null && text is not null)
        {
            return ApiFailure.Conflict($"IMA policy with name {name} already exists. You can delete the allowlist from the verifier.");
        }

        return existing is not null
            ? existing
            : runtimePolicies.Build(name, text ?? RuntimePolicyStore.EmptyPolicyText, input.Request.RuntimePolicyKey, tpmPolicy: null);
    }

    private async Task<Outcome<MeasuredBootPolicy>> ResolveMbPolicyAsync(string agentId, ValidEnrollment input, CancellationToken cancellationToken)
    {
        var name = input.Request.MbPolicyName;
        var text = input.MbPolicyText;
        if (!string.IsNullOrEmpty(name))
        {
            var named = await db.MeasuredBootPolicies.FirstOrDefaultAsync(p => p.Name == name, cancellationToken);
            return (named, text) switch
            {
                ({ }, { }) => ApiFailure.Conflict(
                    $"mb_policy with name {name} already exists. Please use a different name or delete the mb_policy from the verifier."),
                (null, null) => ApiFailure.NotFound($"Could not find mb_policy with name {name}!"),
                ({ }, null) => named,
                _ => new MeasuredBootPolicy { Name = name, MbPolicy = text },
            };
        }

        var own = await db.MeasuredBootPolicies.FirstOrDefaultAsync(p => p.Name == agentId, cancellationToken);
        if (own is not null && text is not null)
        {
            return ApiFailure.Conflict($"mb_policy with name {agentId} already exists. You can delete the mb_policy from the verifier.");
        }

        return own ?? new MeasuredBootPolicy { Name = agentId, MbPolicy = text };
    }

    private Agent NewAgent(string agentId, ValidEnrollment input, RuntimePolicy runtimePolicy, MeasuredBootPolicy mbPolicy)
    {
        var request = input.Request;
        return new Agent
        {
            AgentId = agentId,
            AkTpm = input.AkTpm,
            TpmPolicy = input.TpmPolicy,
            AcceptTpmHashAlgs = request.AcceptTpmHashAlgs ?? ["sha512", "sha384", "sha256"],
            AcceptTpmEncryptionAlgs = request.AcceptTpmEncryptionAlgs ?? ["ecc", "rsa"],
            AcceptTpmSigningAlgs = request.AcceptTpmSigningAlgs ?? ["ecschnorr", "rsassa"],
            RuntimePolicy = runtimePolicy,
            MbPolicy = mbPolicy,
            MetaData = request.Metadata ?? "{}",
            ImaSignVerificationKeys = request.ImaSignVerificationKeys ?? "",
            RevocationKey = request.RevocationKey ?? "",
            V = request.V,
            MtlsCert = request.MtlsCert,
            SupportedVersion = request.SupportedVersion is { } v && KnownVersions.Contains(v) ? v : CurrentVersion,
            Ip = null,
            Port = null,
            VerifierId = settings.Uuid,
            VerifierIp = request.VerifierIp ?? settings.Ip,
            VerifierPort = request.VerifierPort ?? settings.Port,
            EnrolledAt = time.GetUtcNow().UtcDateTime,
            OperationalState = OperationalStates.GetQuote,
            AcceptAttestations = true,
        };
    }

    private static string AlreadyExists(string agentId) => $"Agent of uuid {agentId} already exists. Please use delete or update.";
}
