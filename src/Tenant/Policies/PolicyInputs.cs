using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keylime.Tenant.Cli;
using Keylime.Tenant.Output;

namespace Keylime.Tenant.Policies;

/// <summary>The policy part of an enrollment or policy upload, as Keylime's cli/policies.process_policy yields it.</summary>
public sealed record PolicyInputs(
    TpmPolicy TpmPolicy,
    string? MbPolicy,
    string MbPolicyName,
    string RuntimePolicyName,
    string RuntimePolicy,
    string RuntimePolicyKey)
{
    /// <summary>
    /// Reads the policy options: the PCR policy, the runtime policy file (sent as base64 of its exact
    /// bytes), the measured-boot policy file (sent as Python's re-spelling of its JSON), and the names.
    /// Naming or giving an IMA / measured-boot policy sets the matching bits in the PCR mask, as Keylime does.
    /// </summary>
    public static PolicyInputs From(TenantArguments args, string mbRefstate)
    {
        var tpm = TpmPolicy.Read(args.TpmPolicy);
        var (runtimePolicy, runtimeKey) = ("", "");
        if (args.RuntimePolicy is not null)
        {
            tpm.Refuse([TpmPolicy.ImaPcr], "IMA");
            tpm.EnableInMask(TpmPolicy.ImaPcr);
            (runtimePolicy, runtimeKey) = ReadRuntimePolicy(args.RuntimePolicy, args.RuntimePolicyChecksum, args.RuntimePolicySigKey);
        }

        if (args.RuntimePolicyName is not null)
        {
            tpm.EnableInMask(TpmPolicy.ImaPcr);
        }

        string? mbData = null;
        if (args.MbPolicy is not null)
        {
            tpm.Refuse(TpmPolicy.MeasuredBootPcrs, "measured boot");
            EnableMeasuredBoot(tpm);
            mbData = ReadMbPolicy(args.MbPolicy == "default" ? mbRefstate : args.MbPolicy);
        }

        // Keylime only sends the measured-boot policy when PCR 2 is in the mask (always true once a file was given).
        var mbPolicy = tpm.MaskHas(TpmPolicy.MeasuredBootPcrs[2]) ? mbData : null;
        if (args.MbPolicyName is not null)
        {
            EnableMeasuredBoot(tpm);
        }

        return new PolicyInputs(tpm, mbPolicy, args.MbPolicyName ?? "", args.RuntimePolicyName ?? "", runtimePolicy, runtimeKey);
    }

    private static void EnableMeasuredBoot(TpmPolicy tpm)
    {
        foreach (var pcr in TpmPolicy.MeasuredBootPcrs)
        {
            tpm.EnableInMask(pcr);
        }
    }

    /// <summary>
    /// The runtime policy file as base64 of its bytes, checked as Keylime's tenant checks it
    /// (ima.read_runtime_policy): JSON; a DSSE envelope (<c>payload</c>) needs the signing key
    /// (<c>--runtime-policy-sig-key</c>, sent along as <c>runtime_policy_key</c>); and, when asked, the
    /// file's SHA-256 (<c>--runtime-policy-checksum</c>). The DSSE signature itself and the schema are
    /// checked by the verifier when it stores the policy.
    /// </summary>
    private static (string Policy, string Key) ReadRuntimePolicy(string path, string? checksum, string? sigKeyPath)
    {
        var bytes = ReadFile(path, "runtime policy");
        try
        {
            if (PythonJson.Loads(System.Text.Encoding.UTF8.GetString(bytes)) is not JsonObject policy)
            {
                throw new TenantException($"Validation for runtime policy {path} failed! Error: not a JSON object");
            }

            if (policy["payload"] is not null && string.IsNullOrEmpty(sigKeyPath))
            {
                throw new TenantException(
                    $"Validation for runtime policy {path} failed! Error: Runtime policy signature verification required but no key was given!");
            }
        }
        catch (JsonException e)
        {
            throw new TenantException($"Validation for runtime policy {path} failed! Error: invalid JSON ({e.Message})", e);
        }

        var calculated = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.IsNullOrEmpty(checksum) && !string.Equals(checksum, calculated, StringComparison.Ordinal))
        {
            throw new TenantException($"Checksum of runtime policy does not match! Expected {checksum}, Calculated {calculated}");
        }

        var key = sigKeyPath is { Length: > 0 } ? Convert.ToBase64String(ReadFile(sigKeyPath, "runtime policy signature key")) : "";
        return (Convert.ToBase64String(bytes), key);
    }

    /// <summary>Keylime loads the measured-boot policy with json.load and sends json.dumps of it.</summary>
    private static string ReadMbPolicy(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw new TenantException("No measured boot policy file given (--mb-policy default needs mb_refstate in tenant.conf)");
        }

        var bytes = ReadFile(path, "measured boot policy");
        try
        {
            return PythonJson.Dumps(PythonJson.Loads(System.Text.Encoding.UTF8.GetString(bytes)));
        }
        catch (JsonException e)
        {
            throw new TenantException($"Invalid measured boot policy {path}: {e.Message}", e);
        }
    }

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TenantException($"Cannot read {what} file {path}: {e.Message}", e);
        }
    }
}
