using Keylime.PushAgent.Configuration;

namespace Keylime.PushAgent.Evidence;

/// <summary>Stands in until the TPM layer (src/PushAgent/Tpm) is wired in: opening fails with a clear reason.</summary>
internal sealed class PendingTpmProvider : ITpmProvider
{
    public IAgentTpm Open(AgentSettings settings) =>
        throw new NotSupportedException(settings.AvoidTpm
            ? "the software TPM (--avoid-tpm) is not available in this build"
            : "TPM access is not available in this build");
}
