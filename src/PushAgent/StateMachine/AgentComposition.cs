using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Evidence;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.StateMachine;

/// <summary>Builds the clients and the state machine for one agent from its settings and its TPM.</summary>
public static class AgentComposition
{
    public static AttestationStateMachine CreateStateMachine(AgentSettings settings, IAgentTpm tpm, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("Keylime.PushAgent");
        if (settings.Insecure)
        {
            logger.LogWarning("INSECURE: --insecure is set; the verifier's certificate is not checked. For testing only");
        }

        var registrationId = settings.UuidFromEk ? tpm.Keys.EkHash : settings.Uuid;
        var identity = new AgentIdentity(registrationId, settings.VerifierAgentId ?? registrationId);

        var registrarHttp = new RetryingHttp(
            HttpClients.Create(settings.RegistrarCaCertificate, acceptAnyCertificate: false, acceptInvalidHostnames: false, settings.RequestTimeout),
            settings.Backoff, settings.RequestTimeout, time, loggers.CreateLogger("Keylime.PushAgent.Registrar"));
        var registration = new Registration(
            new RegistrarClient(registrarHttp, settings.RegistrarUrl), tpm, settings.RegistrarApiVersions,
            settings.ContactIp, settings.ContactPort, loggers.CreateLogger("Keylime.PushAgent.Registration"));

        // One client and one retry layer for the session and attestation calls: same TLS, same backoff, same Retry-After rules.
        var verifierHttp = new RetryingHttp(
            HttpClients.Create(settings.VerifierCaCertificate, settings.Insecure, settings.AcceptInvalidHostnames, settings.RequestTimeout),
            settings.Backoff, settings.RequestTimeout, time, loggers.CreateLogger("Keylime.PushAgent.Verifier"));
        var session = new PopSession(
            verifierHttp, new Uri(settings.VerifierUrl, $"{settings.ApiVersion}/sessions"), identity.VerifierId, tpm,
            loggers.CreateLogger("Keylime.PushAgent.Session"));
        var verifier = new VerifierClient(verifierHttp, session, settings.VerifierUrl, settings.ApiVersion, identity.VerifierId);

        var sources = new EvidenceSources(
            new ImaLog(settings.ImaLogPath), UefiLog.Load(settings.MeasuredBootLogPath),
            settings.CertificationKeysServerIdentifier, settings.UefiLogsEvidenceVersion);
        return new AttestationStateMachine(
            identity, registration.RegisterAsync, verifier, tpm, sources, BootTime.Read(), settings.AttestationInterval, time, logger);
    }
}
