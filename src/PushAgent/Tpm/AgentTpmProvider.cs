using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Evidence;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// Opens the agent's TPM as the protocol layer wants it: the software TPM for <c>--avoid-tpm</c>,
/// otherwise the TPM the TCTI names (the <c>TCTI</c> environment variable wins over agent.conf's
/// <c>tcti</c>, as in rust-keylime), then the EK of <c>tpm_encryption_alg</c> and the AK of
/// <c>tpm_hash_alg</c>/<c>tpm_signing_alg</c>, reused from <c>agent_data_path</c>.
/// Disposing the provider releases every TPM it opened.
/// </summary>
public sealed class AgentTpmProvider : ITpmProvider, IDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly Func<string, string?> _environment;
    private readonly List<ITpm> _opened = [];

    public AgentTpmProvider(ILoggerFactory loggers)
        : this(loggers, Environment.GetEnvironmentVariable)
    {
    }

    /// <param name="environment">Environment lookup (tests pass their own).</param>
    public AgentTpmProvider(ILoggerFactory loggers, Func<string, string?> environment)
    {
        _loggers = loggers;
        _environment = environment;
    }

    public IAgentTpm Open(AgentSettings settings)
    {
        var ekType = TpmAlgorithms.ParseKeyType(settings.TpmEncryptionAlg);
        var hash = TpmAlgorithms.ParseHash(settings.TpmHashAlg);
        var scheme = TpmAlgorithms.ParseSignScheme(settings.TpmSigningAlg);
        var tcti = _environment("TCTI") is { Length: > 0 } fromEnvironment ? fromEnvironment : settings.Tcti;
        ITpm tpm = settings.AvoidTpm
            ? new SoftwareTpm(settings.AgentDataPath, _loggers.CreateLogger<SoftwareTpm>())
            : HardwareTpm.Open(tcti, _loggers.CreateLogger<HardwareTpm>());
        try
        {
            var ek = tpm.LoadEndorsementKey(ekType);
            var ak = tpm.LoadAttestationKey(hash, scheme, settings.AgentDataPath);
            _loggers.CreateLogger<AgentTpmProvider>().LogInformation(
                "TPM ready on {Tpm}: {EkType} EK, {Scheme}/{Hash} AK{Reused}", tpm.Description,
                TpmAlgorithms.Name(ekType), TpmAlgorithms.Name(scheme), TpmAlgorithms.Name(hash), ak.Reused ? " (reused)" : " (new)");
            var opened = new ProtocolTpm(tpm, ek, ak);
            lock (_opened)
            {
                _opened.Add(tpm);
            }

            return opened;
        }
        catch
        {
            tpm.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (_opened)
        {
            foreach (var tpm in _opened)
            {
                tpm.Dispose();
            }

            _opened.Clear();
        }
    }
}
