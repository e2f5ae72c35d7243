using Keylime.Shared.Tpm;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The <c>--avoid-tpm</c> stand-in: software keys and software PCR banks (sha1, sha256) behind the
/// same <see cref="ITpm"/> as a real TPM. Its quotes and certifications are structurally real
/// TPMS_ATTEST / TPMT_SIGNATURE bytes that a verifier checks normally, and its RSA EK can activate a
/// registrar's credential, but nothing it signs says anything about the machine: it is for testing.
/// </summary>
public sealed class SoftwareTpm : ITpm
{
    /// <summary>TPMS_ATTEST.firmwareVersion of the software TPM ("KLSOFT" in ASCII), so its quotes are recognisable.</summary>
    public const ulong FirmwareVersion = 0x4B4C534F46540000;

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string? _ekStorePath;
    private readonly SoftwarePcrBanks _pcrs = new();
    private readonly Lock _gate = new();
    private SoftwareEk? _ek;
    private SoftwareAk? _ak;
    private AgentAttestationKey? _akInfo;

    /// <param name="agentDataPath">agent_data.json, where the software EK is kept beside the AK so registrations survive restarts.</param>
    public SoftwareTpm(string? agentDataPath, ILogger<SoftwareTpm>? logger = null, TimeProvider? time = null)
    {
        _ekStorePath = agentDataPath;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _logger.LogWarning(
            "*** NOT A TPM *** --avoid-tpm: keys and PCRs live in software. Quotes from this agent prove nothing " +
            "about this machine; use it for testing only.");
    }

    public bool IsSoftware => true;

    public string Description => "software TPM (--avoid-tpm)";

    public TpmInventory GetInventory() => new(
        _pcrs.Banks.ToDictionary(b => b, _ => (IReadOnlyList<int>)Enumerable.Range(0, SoftwarePcrBanks.PcrCount).ToArray()),
        TpmAlgorithms.SigningSchemes,
        TpmAlgorithms.KeyTypes);

    public AgentEndorsementKey LoadEndorsementKey(TpmAlg type)
    {
        if (type != TpmAlg.Rsa)
        {
            throw new NotSupportedException("the software TPM (--avoid-tpm) has an RSA EK only; set tpm_encryption_alg = \"rsa\"");
        }

        lock (_gate)
        {
            _ak?.Dispose();
            _ak = null;
            _ek?.Dispose();
            var stored = _ekStorePath is null ? null : AgentDataStore.TryLoad(_ekStorePath)?.SoftwareEkPrivate;
            _ek = stored is null ? SoftwareEk.Create() : SoftwareEk.FromPkcs8(Convert.FromBase64String(stored));
            return new AgentEndorsementKey(TpmAlg.Rsa, _ek.Public, _ek.Name, null, []);
        }
    }

    public AgentAttestationKey LoadAttestationKey(TpmAlg hash, TpmAlg scheme, string? agentDataPath)
    {
        TpmAlgorithms.RequireHash(hash);
        TpmAlgorithms.RequireScheme(scheme);
        lock (_gate)
        {
            var ek = _ek ?? throw new InvalidOperationException("LoadEndorsementKey must run before LoadAttestationKey");
            _ak?.Dispose();
            var stored = agentDataPath is null ? null : AgentDataStore.TryLoad(agentDataPath);
            var reuse = stored is not null && stored.Matches(hash, scheme, ek.Name);
            _ak = reuse ? SoftwareAk.FromPkcs8(hash, scheme, Convert.FromBase64String(stored!.AkPrivate)) : SoftwareAk.Create(hash, scheme);
            if (!reuse && agentDataPath is not null)
            {
                AgentDataStore.Save(agentDataPath, new AgentData
                {
                    AkHashAlg = TpmAlgorithms.Name(hash),
                    AkSignAlg = TpmAlgorithms.Name(scheme),
                    AkKeyAlg = TpmAlgorithms.Name(TpmAlgorithms.KeyTypeOf(scheme)),
                    AkPublic = Convert.ToBase64String(_ak.Public),
                    AkPrivate = Convert.ToBase64String(_ak.ExportPkcs8()),
                    EkName = Convert.ToHexStringLower(ek.Name),
                    SoftwareEkPrivate = Convert.ToBase64String(ek.ExportPkcs8()),
                });
            }

            _akInfo = new AgentAttestationKey(TpmAlgorithms.KeyTypeOf(scheme), hash, scheme, _ak.Public, _ak.Name, reuse);
            return _akInfo;
        }
    }

    public byte[] ActivateCredential(CredentialBlob credential)
    {
        lock (_gate)
        {
            var (ek, ak) = Keys();
            return CredentialUnwrap.Activate(ek.Key, ek.Parsed, ak.Name, credential);
        }
    }

    public SignedAttest Certify(ReadOnlySpan<byte> qualifyingData)
    {
        lock (_gate)
        {
            var (ek, ak) = Keys();
            var qualifiedName = TpmName.Qualified(ak.Parsed.NameAlg, ek.QualifiedName, ak.Name);
            var attest = Attest(TpmsAttest.TagAttestCertify, qualifiedName, qualifyingData, null, new TpmsCertifyInfo(ak.Name, qualifiedName));
            return new SignedAttest(attest, ak.Sign(attest));
        }
    }

    public TpmQuote Quote(ReadOnlySpan<byte> nonce, PcrSelection selection)
    {
        lock (_gate)
        {
            var (ek, ak) = Keys();
            var values = _pcrs.Read(selection);
            var qualifiedName = TpmName.Qualified(ak.Parsed.NameAlg, ek.QualifiedName, ak.Name);
            var quoteInfo = new TpmsQuoteInfo(selection, values.ComputeDigest(ak.Hash));
            var attest = Attest(TpmsAttest.TagAttestQuote, qualifiedName, nonce, quoteInfo, null);
            return new TpmQuote(attest, ak.Sign(attest), values);
        }
    }

    public PcrValues ReadPcrs(PcrSelection selection)
    {
        lock (_gate)
        {
            return _pcrs.Read(selection);
        }
    }

    public void ExtendPcr(int pcr, TpmAlg bank, ReadOnlySpan<byte> digest)
    {
        lock (_gate)
        {
            _pcrs.Extend(pcr, bank, digest);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _ak?.Dispose();
            _ek?.Dispose();
        }
    }

    private (SoftwareEk Ek, SoftwareAk Ak) Keys() =>
        (_ek ?? throw new InvalidOperationException("no EK loaded"), _ak ?? throw new InvalidOperationException("no AK loaded"));

    /// <summary>
    /// A TPMS_ATTEST as a TPM fills it. clock is wall-clock milliseconds with resetCount and
    /// restartCount 0 and safe = 1, so it keeps increasing across agent restarts, as Keylime's
    /// clock checks require.
    /// </summary>
    private byte[] Attest(ushort type, byte[] qualifiedSigner, ReadOnlySpan<byte> extraData, TpmsQuoteInfo? quote, TpmsCertifyInfo? certify) =>
        new TpmsAttest
        {
            Magic = TpmsAttest.GeneratedValue,
            Type = type,
            QualifiedSigner = qualifiedSigner,
            ExtraData = extraData.ToArray(),
            ClockInfo = new TpmClockInfo((ulong)_time.GetUtcNow().ToUnixTimeMilliseconds(), 0, 0, true),
            FirmwareVersion = FirmwareVersion,
            Quote = quote,
            Certify = certify,
        }.ToBytes();
}
