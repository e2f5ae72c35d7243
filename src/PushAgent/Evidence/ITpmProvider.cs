using Keylime.PushAgent.Configuration;

namespace Keylime.PushAgent.Evidence;

/// <summary>Opens the agent's TPM (device, swtpm, or the software TPM of --avoid-tpm) and loads EK and AK.</summary>
public interface ITpmProvider
{
    IAgentTpm Open(AgentSettings settings);
}
