using System.Text;
using System.Text.Json;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Policies;

/// <summary>What the verifier learns from a valid runtime policy upload.</summary>
public sealed record RuntimePolicyFacts(int Generator);

/// <summary>
/// Checks an uploaded runtime (IMA) policy (spec/verifier.md §5.1, spec/ima-and-measured-boot.md §2.2).
/// Seam: the IMA library's validator plugs in here.
/// </summary>
public interface IRuntimePolicyValidator
{
    Outcome<RuntimePolicyFacts> Validate(string policyText, string? policyKey, bool requireSignature);
}

/// <summary>
/// Interim validator until the IMA library's schema validator is wired: the policy must be JSON
/// (a DSSE envelope's payload is unwrapped), an object, with a readable <c>meta.generator</c>.
/// Signature verification (<c>require_allow_list_signatures</c>) is refused rather than faked.
/// </summary>
public sealed class JsonShapeRuntimePolicyValidator : IRuntimePolicyValidator
{
    public Outcome<RuntimePolicyFacts> Validate(string policyText, string? policyKey, bool requireSignature)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(policyText);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ApiFailure.BadRequest("Runtime policy is not valid JSON!");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return ApiFailure.BadRequest("Runtime policy is malformatted: the policy must be a JSON object");
        }

        if (requireSignature)
        {
            return string.IsNullOrEmpty(policyKey)
                ? new ApiFailure(401, "Runtime policy signature verification required but no key was given!")
                : new ApiFailure(401, "Runtime policy failed DSSE signature verification!");
        }

        if (root.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.String)
        {
            if (!BinaryText.TryDecode(payload.GetString(), out var inner))
            {
                return ApiFailure.BadRequest("Runtime policy is malformatted: DSSE payload is not base64");
            }

            return Validate(Encoding.UTF8.GetString(inner), policyKey, requireSignature: false);
        }

        return new RuntimePolicyFacts(GeneratorOf(root));
    }

    internal static int GeneratorOf(JsonElement policy) =>
        policy.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object
        && meta.TryGetProperty("generator", out var generator) && generator.ValueKind == JsonValueKind.Number
        && generator.TryGetInt32(out var value)
            ? value
            : 0;
}
