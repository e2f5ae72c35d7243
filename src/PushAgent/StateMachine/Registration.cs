using System.Security.Cryptography;
using System.Text;
using Keylime.PushAgent.Clients;
using Keylime.PushAgent.Evidence;
using Keylime.PushAgent.Protocol;
using Keylime.Shared.Tpm;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent.StateMachine;

/// <summary>
/// Registration and activation with the registrar (spec/push-agent.md §4): pick an API version,
/// register EK + AK, answer the credential challenge with TPM2_ActivateCredential and prove it
/// with the auth_tag. Any failure throws; the state machine turns it into RegistrationFailed.
/// </summary>
public sealed class Registration
{
    private readonly RegistrarClient _registrar;
    private readonly IAgentTpm _tpm;
    private readonly IReadOnlyList<string> _enabledVersions;
    private readonly string _contactIp;
    private readonly int _contactPort;
    private readonly ILogger _logger;

    public Registration(RegistrarClient registrar, IAgentTpm tpm, IReadOnlyList<string> enabledVersions, string contactIp, int contactPort, ILogger logger)
    {
        _registrar = registrar;
        _tpm = tpm;
        _enabledVersions = enabledVersions;
        _contactIp = contactIp;
        _contactPort = contactPort;
        _logger = logger;
    }

    public async Task RegisterAsync(string agentId, CancellationToken cancellationToken)
    {
        var advertised = await _registrar.GetVersionAsync(cancellationToken);
        var candidates = CandidateVersions(advertised, _enabledVersions);
        if (candidates.Count == 0)
        {
            throw new RegistrationException(
                $"no common registrar API version: registrar supports {string.Join(", ", advertised?.SupportedVersions ?? [])}, agent enables {string.Join(", ", _enabledVersions)}");
        }

        var body = RegisterBody();
        RegistrarException? last = null;
        foreach (var version in candidates)
        {
            try
            {
                _logger.LogInformation("Registering agent {AgentId} with the registrar at {Url} (API {Version})", agentId, _registrar.RegistrarUrl, version);
                var blob = await _registrar.RegisterAsync(version, agentId, body, cancellationToken);
                var challenge = ParseCredentialBlob(blob);
                var key = _tpm.ActivateCredential(challenge.IdObject, challenge.EncryptedSecret);
                var authTag = ActivationProof.AuthTag(ActivationProof.KeyFor(key), agentId);
                await _registrar.ActivateAsync(version, agentId, authTag, cancellationToken);
                _logger.LogInformation("Agent {AgentId} registered and activated", agentId);
                return;
            }
            catch (RegistrarException e) when (e.Status != System.Net.HttpStatusCode.Forbidden)
            {
                // Try the next candidate version; a 403 (identity mismatch) ends the search.
                last = e;
            }
        }

        throw new RegistrationException(last?.Message ?? "registration failed");
    }

    /// <summary>
    /// Versions to try, in order (spec §4.2): the registrar's current version if enabled; else the
    /// enabled versions it supports, newest first; with no answer, every enabled version newest first.
    /// </summary>
    internal static IReadOnlyList<string> CandidateVersions(RegistrarVersion? advertised, IReadOnlyList<string> enabled)
    {
        if (advertised is null)
        {
            return enabled.Reverse().ToList();
        }

        if (advertised.CurrentVersion is { } current && enabled.Contains(current))
        {
            return [current];
        }

        var supported = advertised.SupportedVersions ?? [];
        return enabled.Reverse().Where(supported.Contains).ToList();
    }

    private RegisterRequest RegisterBody()
    {
        var keys = _tpm.Keys;
        return new RegisterRequest(
            AikTpm: Convert.ToBase64String(Tpm2b(keys.AkPublicArea)),
            EkTpm: Convert.ToBase64String(Tpm2b(keys.EkPublicArea)),
            EkCert: EkCertificatePem(keys),
            IakCert: null,
            IdevidCert: null,
            Ip: _contactIp,
            Port: _contactPort);
    }

    /// <summary>The EK certificate then the NV chain in reverse order, as PEM; empty when the TPM holds none.</summary>
    internal static string EkCertificatePem(AgentKeys keys)
    {
        var pem = new StringBuilder();
        foreach (var der in new[] { keys.EkCertificate }.Concat(keys.EkChain.Reverse()))
        {
            if (der is not null)
            {
                pem.Append(PemEncoding.Write("CERTIFICATE", der)).Append('\n');
            }
        }

        return pem.ToString();
    }

    /// <summary>The registrar's blob: a tpm2-tools credential container (spec §4.4).</summary>
    internal static CredentialBlob ParseCredentialBlob(byte[] blob)
    {
        try
        {
            return CredentialBlob.Parse(blob);
        }
        catch (TpmFormatException e)
        {
            throw new RegistrationException($"registrar blob is malformed: {e.Message}");
        }
    }

    private static byte[] Tpm2b(byte[] area) => new TpmWriter(area.Length + 2).WriteSized(area).ToArray();
}

/// <summary>Registration could not complete.</summary>
public sealed class RegistrationException : Exception
{
    public RegistrationException(string message)
        : base(message)
    {
    }
}
