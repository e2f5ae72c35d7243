using Keylime.PushAgent.Protocol;

namespace Keylime.PushAgent.Evidence;

/// <summary>
/// Fills the capabilities document (spec/push-agent.md §6.1) from the TPM and the logs — the
/// "struct filler" of rust-keylime: wire shape here, TPM access behind <see cref="IAgentTpm"/>.
/// </summary>
public static class Capabilities
{
    public static CapabilitiesRequest Build(IAgentTpm tpm, EvidenceSources sources, DateTimeOffset bootTime)
    {
        var keys = tpm.Keys;
        var quote = new EvidenceSupported("certification", "tpm_quote", new EvidenceCapabilities
        {
            ComponentVersion = "2.0",
            HashAlgorithms = tpm.PcrBanks.Keys.ToList(),
            SignatureSchemes = tpm.SignatureSchemes,
            AvailableSubjects = tpm.PcrBanks,
            CertificationKeys =
            [
                new CertificationKey
                {
                    KeyClass = "asymmetric",
                    KeyAlgorithm = keys.Ak.KeyAlgorithm,
                    KeySize = keys.Ak.KeySize,
                    ServerIdentifier = sources.ServerIdentifier,
                    LocalIdentifier = Convert.ToHexStringLower(keys.AkName),
                    Public = Convert.ToBase64String(keys.AkPublicArea),
                    AllowableHashAlgorithms = [keys.Ak.HashAlgorithm],
                    AllowableSignatureSchemes = [keys.Ak.SignatureScheme],
                },
            ],
        });
        var uefi = new EvidenceSupported("log", "uefi_log", new EvidenceCapabilities
        {
            EvidenceVersion = sources.UefiLogsEvidenceVersion,
            EntryCount = sources.Uefi.EntryCount,
            SupportsPartialAccess = false,
            Appendable = false,
            Formats = ["application/octet-stream"],
        });
        var ima = new EvidenceSupported("log", "ima_log", new EvidenceCapabilities
        {
            EntryCount = sources.Ima.CountEntries(),
            SupportsPartialAccess = true,
            Appendable = true,
            Formats = ["text/plain"],
        });
        return new CapabilitiesRequest(new CapabilitiesRequestData(
            "attestation", new CapabilitiesAttributes([quote, uefi, ima], new SystemInfo(BootTime.Format(bootTime)))));
    }
}

/// <summary>The logs the agent can offer and the names it offers them under.</summary>
public sealed record EvidenceSources(ImaLog Ima, UefiLog Uefi, string ServerIdentifier = "ak", string UefiLogsEvidenceVersion = "2.1");
