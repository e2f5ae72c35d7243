using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keylime.Tenant.Output;

namespace Keylime.Tenant.Policies;

/// <summary>
/// The PCR policy (<c>--tpm_policy</c>) as Keylime's tpm_util.readPolicy builds it: keys are PCR
/// numbers (0–24, never 10 = IMA or 16 = data binding), single values are wrapped in a list, digests
/// are lower-cased, and a <c>mask</c> (Python <c>hex()</c> of the PCR bit set) is appended last. The
/// policy goes to the verifier as a JSON string in Python's spelling.
/// </summary>
public sealed class TpmPolicy
{
    public const int ImaPcr = 10;
    public const int DataPcr = 16;

    /// <summary>PCRs measured boot claims (keylime config.MEASUREDBOOT_PCRS).</summary>
    public static readonly IReadOnlyList<int> MeasuredBootPcrs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15];

    private readonly JsonObject _policy;
    private ulong _mask;

    private TpmPolicy(JsonObject policy, ulong mask)
    {
        _policy = policy;
        _mask = mask;
    }

    /// <summary>PCR numbers named in the policy (not the mask bits added for IMA/measured boot).</summary>
    public IEnumerable<int> Pcrs => _policy.Select(p => int.Parse(p.Key, CultureInfo.InvariantCulture));

    /// <summary>Python's <c>hex(mask)</c>.</summary>
    public string Mask => "0x" + _mask.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Parses a user policy; <c>null</c> means the empty policy <c>{}</c>.</summary>
    public static TpmPolicy Read(string? json)
    {
        JsonObject policy;
        try
        {
            policy = PythonJson.Loads(json ?? "{}") as JsonObject
                     ?? throw new TenantException("Invalid tpm policy: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new TenantException($"Invalid tpm policy: not JSON ({e.Message})", e);
        }

        ulong mask = 0;
        foreach (var key in policy.Select(p => p.Key).ToList())
        {
            var pcr = PcrNumber(key);
            mask |= 1UL << pcr;
            policy[key] = Digests(key, policy[key]);
        }

        return new TpmPolicy(policy, mask);
    }

    private static int PcrNumber(string key)
    {
        if (key.Length == 0 || !key.All(char.IsAsciiDigit)
            || !int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var pcr) || pcr > 24)
        {
            throw new TenantException($"Invalid tpm policy pcr number: {key}");
        }

        return pcr switch
        {
            DataPcr => throw new TenantException($"Invalid allowlist PCR number {key}, keylime uses this PCR to bind data."),
            ImaPcr => throw new TenantException($"Invalid allowlist PCR number {key}, this PCR is used for IMA."),
            _ => pcr,
        };
    }

    private static JsonArray Digests(string key, JsonNode? value)
    {
        var values = value switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v],
            JsonArray a => a.ToList(),
            _ => throw new TenantException($"Invalid tpm policy values for PCR {key}: expected a digest or a list of digests"),
        };
        var digests = new JsonArray();
        foreach (var item in values)
        {
            if (item is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
            {
                throw new TenantException($"Invalid tpm policy values for PCR {key}: expected hex strings");
            }

            digests.Add(JsonValue.Create(s.GetValue<string>().ToLowerInvariant()));
        }

        return digests;
    }

    /// <summary>Adds a PCR to the mask only (IMA and measured boot do this when their policies are given).</summary>
    public void EnableInMask(int pcr) => _mask |= 1UL << pcr;

    public bool MaskHas(int pcr) => (_mask & (1UL << pcr)) != 0;

    /// <summary>Keylime's enforce_pcrs: a PCR owned by IMA or measured boot must not appear in the policy.</summary>
    public void Refuse(IEnumerable<int> protectedPcrs, string usedBy)
    {
        foreach (var pcr in Pcrs)
        {
            if (protectedPcrs.Contains(pcr))
            {
                throw new TenantException(
                    $"PCR {pcr} is specified in \"tpm_policy\", but will in fact be used by {usedBy}. Please remove it from policy");
            }
        }
    }

    /// <summary>The policy with its mask, as Python's <c>json.dumps(policy)</c> spells it.</summary>
    public string ToJsonString()
    {
        var copy = (JsonObject)_policy.DeepClone();
        copy["mask"] = Mask;
        return PythonJson.Dumps(copy);
    }
}
