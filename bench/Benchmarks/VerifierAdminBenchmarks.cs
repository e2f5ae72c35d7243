using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Keylime.Verifier;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Api;

namespace Keylime.Verifier.Benchmarks;

/// <summary>
/// CPU cost of the verifier's admin requests without the database: reading and checking the
/// tenant's enrollment body (source-generated JSON, tpm_policy rules, AK policy on a real swtpm AK)
/// and writing a status answer in the v2 envelope.
/// </summary>
[MemoryDiagnoser]
public class VerifierAdminBenchmarks
{
    private byte[] _enrollment = [];
    private V2Response<AgentStatus> _status = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ak = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(SharedDirectory(), "tpm-vectors", "ak", "ak_rsa.pub")));
        _enrollment = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["v"] = null, ["cloudagent_ip"] = "127.0.0.1", ["cloudagent_port"] = 9002, ["verifier_ip"] = "127.0.0.1", ["verifier_port"] = "8881",
            ["tpm_policy"] = "{\"23\": [\"0000000000000000000000000000000000000000000000000000000000000000\"], \"mask\": \"0x800000\"}",
            ["runtime_policy"] = "", ["runtime_policy_name"] = "", ["runtime_policy_key"] = "", ["mb_policy"] = null, ["mb_policy_name"] = "",
            ["ima_sign_verification_keys"] = "", ["metadata"] = "{}", ["revocation_key"] = "",
            ["accept_tpm_hash_algs"] = new JsonArray("sha512", "sha384", "sha256"), ["accept_tpm_encryption_algs"] = new JsonArray("ecc", "rsa"),
            ["accept_tpm_signing_algs"] = new JsonArray("ecschnorr", "rsassa"), ["ak_tpm"] = ak, ["mtls_cert"] = null, ["supported_version"] = "2.6",
        });
        _status = new V2Response<AgentStatus>(200, "Success", new AgentStatus
        {
            OperationalState = 3, TpmPolicy = "{\"mask\": \"0x0\"}", MetaData = "{}",
            AcceptTpmHashAlgs = ["sha512", "sha384", "sha256"], AcceptTpmEncryptionAlgs = ["ecc", "rsa"], AcceptTpmSigningAlgs = ["ecschnorr", "rsassa"],
            HashAlg = "", EncAlg = "", SignAlg = "", VerifierId = "default", VerifierIp = "127.0.0.1", VerifierPort = 8881,
            AttestationStatus = AttestationStatus.Pending, AttestationPeriod = "2s", MaximumAttestationInterval = "10s",
        });
    }

    [Benchmark]
    public bool ReadAndCheckTenantEnrollment()
    {
        var request = JsonSerializer.Deserialize(_enrollment, VerifierJson.Default.EnrollRequest)!;
        return TpmPolicyRules.Validate(request.TpmPolicy!) is null
               && BinaryText.TryDecode(request.AkTpm, out var ak)
               && AttestationKeyCheck.Refuse(ak) is null;
    }

    [Benchmark]
    public byte[] WriteStatusEnvelope() => JsonSerializer.SerializeToUtf8Bytes(_status, VerifierJson.Default.V2ResponseAgentStatus);

    // BenchmarkDotNet runs each job from a generated folder under bin/, so walk up to the shared/ fixtures.
    private static string SharedDirectory()
    {
        if (Environment.GetEnvironmentVariable("KEYLIME_SHARED_DIR") is { Length: > 0 } overridden)
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (File.Exists(Path.Combine(candidate, "DESIGN.md")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("shared/ fixtures not found above the benchmark binaries; set KEYLIME_SHARED_DIR");
    }
}
