using Keylime.Shared.Ima;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Policies;

/// <summary>What the verifier learns from a valid runtime policy upload.</summary>
public sealed record RuntimePolicyFacts(int Generator);

/// <summary>Checks an uploaded runtime (IMA) policy (spec/verifier.md §5.1, spec/ima-and-measured-boot.md §2.2).</summary>
public interface IRuntimePolicyValidator
{
    Outcome<RuntimePolicyFacts> Validate(string policyText, string? policyKey, bool requireSignature);
}

/// <summary>
/// The IMA library's schema check (required members, digest format, keyrings, exclude regexes that
/// must compile; DSSE envelopes unwrapped), with Keylime's upload messages and codes.
/// <c>require_allow_list_signatures = True</c> is refused (401) rather than pretended: DSSE signature
/// verification is not implemented.
/// </summary>
public sealed class SchemaRuntimePolicyValidator : IRuntimePolicyValidator
{
    public Outcome<RuntimePolicyFacts> Validate(string policyText, string? policyKey, bool requireSignature)
    {
        if (requireSignature)
        {
            return string.IsNullOrEmpty(policyKey)
                ? new ApiFailure(401, "Runtime policy signature verification required but no key was given!")
                : new ApiFailure(401, "Runtime policy failed DSSE signature verification!");
        }

        var result = RuntimePolicyValidator.Validate(policyText);
        if (!result.IsValid)
        {
            return result.Errors[0].StartsWith("/: not JSON", StringComparison.Ordinal)
                ? ApiFailure.BadRequest("Runtime policy is not valid JSON!")
                : ApiFailure.BadRequest($"Runtime policy is malformatted: {string.Join("; ", result.Errors.Take(5))}");
        }

        return new RuntimePolicyFacts(result.Document!.Generator);
    }
}
