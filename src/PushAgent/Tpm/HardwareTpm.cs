using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// <see cref="ITpm"/> over a real TPM (device or swtpm): the EK re-derived from its TCG
/// template, the AK created under it once and reloaded from agent_data.json afterwards, policy
/// sessions opened per EK use (spec/tpm.md §7 "typical agent sequence").
/// </summary>
public sealed partial class HardwareTpm : ITpm
{
    private const int QuoteAttempts = 5;
    private const uint ManufacturerCaFirst = 0x01c00100;
    private const uint ManufacturerCaCount = 0x100;

    private readonly TpmCommands _tpm;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private CreatedPrimary? _ek;
    private LoadedKey? _akHandle;
    private AgentAttestationKey? _ak;

    public HardwareTpm(TpmCommands commands, ILogger<HardwareTpm>? logger = null)
    {
        _tpm = commands;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Opens the TPM the TCTI string names (null: /dev/tpmrm0, then /dev/tpm0).</summary>
    public static HardwareTpm Open(string? tcti, ILogger<HardwareTpm>? logger = null) =>
        new(new TpmCommands(Tcti.Open(tcti)), logger);

    public bool IsSoftware => false;

    public string Description => _tpm.Description;

    /// <summary>The command layer, for callers that need a command this class does not wrap.</summary>
    public TpmCommands Commands => _tpm;

    public TpmInventory GetInventory()
    {
        lock (_gate)
        {
            var banks = _tpm.GetPcrBanks()
                .Where(b => b.IsAllocated && TpmHash.IsSupported(b.HashAlg))
                .ToDictionary(b => b.HashAlg, b => b.Pcrs);
            var algorithms = _tpm.GetAlgorithms();
            const uint signing = Tpm2Cap.AlgAsymmetric | Tpm2Cap.AlgSigning;
            var schemes = algorithms
                .Where(a => (a.Attributes & signing) == signing && TpmAlgorithms.SigningSchemes.Contains(a.Alg))
                .Select(a => a.Alg)
                .ToList();
            var keyTypes = algorithms.Select(a => a.Alg).Where(TpmAlgorithms.KeyTypes.Contains).ToList();
            return new TpmInventory(banks, schemes, keyTypes);
        }
    }

    public AgentEndorsementKey LoadEndorsementKey(TpmAlg type)
    {
        lock (_gate)
        {
            FlushAk();
            if (_ek is not null)
            {
                _tpm.FlushContext(_ek.Handle);
                _ek = null;
            }

            _ek = WithSlotRecovery(() => _tpm.CreatePrimary(Tpm2Handle.Endorsement, KeyTemplates.Ek(type)));
            var certificate = ReadEkCertificate(KeyTemplates.EkCertificateIndex(type));
            var chain = ReadManufacturerCertificates();
            _logger.LogInformation("EK ({Type}) created from the TCG template on {Tpm}; certificate {Certificate}",
                TpmAlgorithms.Name(type), Description, certificate is null ? "absent" : $"{certificate.Length} bytes");
            return new AgentEndorsementKey(type, _ek.Public, _ek.Name, certificate, chain);
        }
    }

    public AgentAttestationKey LoadAttestationKey(TpmAlg hash, TpmAlg scheme, string? agentDataPath)
    {
        lock (_gate)
        {
            var ek = _ek ?? throw new InvalidOperationException("LoadEndorsementKey must run before LoadAttestationKey");
            FlushAk();
            var stored = agentDataPath is null ? null : AgentDataStore.TryLoad(agentDataPath);
            if (stored is not null && stored.Matches(hash, scheme, ek.Name) && TryLoadStored(stored, hash, scheme))
            {
                return _ak!;
            }

            var created = WithEkPolicy(auth => _tpm.Create(ek.Handle, auth, KeyTemplates.Ak(hash, scheme)));
            LoadAk(created.Private, created.Public, hash, scheme, reused: false);
            if (agentDataPath is not null)
            {
                AgentDataStore.Save(agentDataPath, new AgentData
                {
                    AkHashAlg = TpmAlgorithms.Name(hash),
                    AkSignAlg = TpmAlgorithms.Name(scheme),
                    AkKeyAlg = TpmAlgorithms.Name(TpmAlgorithms.KeyTypeOf(scheme)),
                    AkPublic = Convert.ToBase64String(created.Public),
                    AkPrivate = Convert.ToBase64String(created.Private),
                    EkName = Convert.ToHexStringLower(ek.Name),
                });
            }

            _logger.LogInformation("new AK ({Scheme}/{Hash}) created under the EK{Stored}",
                TpmAlgorithms.Name(scheme), TpmAlgorithms.Name(hash), agentDataPath is null ? "" : $", stored in {agentDataPath}");
            return _ak!;
        }
    }

    public byte[] ActivateCredential(CredentialBlob credential)
    {
        lock (_gate)
        {
            var (ek, ak) = Keys();
            return WithEkPolicy(auth => _tpm.ActivateCredential(ak.Handle, ek.Handle, auth, credential.IdObject, credential.EncryptedSecret));
        }
    }

    public SignedAttest Certify(ReadOnlySpan<byte> qualifyingData)
    {
        lock (_gate)
        {
            var (_, ak) = Keys();
            return _tpm.Certify(ak.Handle, ak.Handle, qualifyingData);
        }
    }

    public TpmQuote Quote(ReadOnlySpan<byte> nonce, PcrSelection selection)
    {
        lock (_gate)
        {
            var (_, ak) = Keys();
            var sigHash = _ak!.Hash;

            // PCR_Read and Quote are two commands; a measurement landing in between would make the
            // values disagree with pcrDigest, so re-read until they match (as rust-keylime does).
            for (var attempt = 0; attempt < QuoteAttempts; attempt++)
            {
                var values = _tpm.PcrReadAll(selection);
                var quote = _tpm.Quote(ak.Handle, nonce, selection);
                if (values.ComputeDigest(sigHash).AsSpan().SequenceEqual(TpmsAttest.Parse(quote.Attest).Quote!.PcrDigest))
                {
                    return new TpmQuote(quote.Attest, quote.Signature, values);
                }
            }

            throw new TpmTransportException($"PCRs kept changing during {QuoteAttempts} quote attempts");
        }
    }

    public PcrValues ReadPcrs(PcrSelection selection)
    {
        lock (_gate)
        {
            return _tpm.PcrReadAll(selection);
        }
    }

    public void ExtendPcr(int pcr, TpmAlg bank, ReadOnlySpan<byte> digest)
    {
        if (digest.Length != TpmHash.DigestSize(bank))
        {
            throw new ArgumentException($"a {TpmAlgorithms.Name(bank)} extend needs {TpmHash.DigestSize(bank)} bytes", nameof(digest));
        }

        lock (_gate)
        {
            _tpm.PcrExtend(pcr, bank, digest);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            try
            {
                FlushAk();
                if (_ek is not null)
                {
                    _tpm.FlushContext(_ek.Handle);
                    _ek = null;
                }
            }
            catch (Exception e) when (e is TpmCommandException or TpmTransportException)
            {
                _logger.LogWarning("could not flush the EK/AK on shutdown: {Error}", e.Message);
            }

            _tpm.Dispose();
        }
    }
}
