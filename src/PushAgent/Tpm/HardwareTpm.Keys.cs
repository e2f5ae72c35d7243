using Microsoft.Extensions.Logging;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

public sealed partial class HardwareTpm
{
    private const uint ObjectMemory = 0x902;
    private const uint SessionMemory = 0x903;
    private const uint TransientFirst = 0x80000000;
    private const uint PolicySessionFirst = 0x03000000;
    private const uint HmacSessionFirst = 0x02000000;

    /// <summary>
    /// Runs a command that loads an object or starts a session; if the TPM is out of slots, flushes
    /// what an earlier run left behind and tries once more. swtpm and /dev/tpm0 have no resource
    /// manager and only 3 transient slots, so an agent killed before FlushContext would otherwise
    /// lock itself out after a restart or two. (On /dev/tpmrm0 only our own handles are visible.)
    /// </summary>
    private T WithSlotRecovery<T>(Func<T> command)
    {
        try
        {
            return command();
        }
        catch (TpmCommandException e) when (e.ResponseCode.Value is ObjectMemory or SessionMemory)
        {
            var ours = new HashSet<uint>([_ek?.Handle ?? 0, _akHandle?.Handle ?? 0]);
            var stale = _tpm.GetHandles(TransientFirst, 0x100)
                .Concat(_tpm.GetHandles(PolicySessionFirst, 0x100))
                .Concat(_tpm.GetHandles(HmacSessionFirst, 0x100))
                .Where(h => !ours.Contains(h))
                .ToList();
            _logger.LogWarning("{Error}: flushing {Count} transient objects/sessions left by an earlier run and retrying",
                e.ResponseCode, stale.Count);
            foreach (var handle in stale)
            {
                TryFlush(handle);
            }

            return command();
        }
    }

    private (CreatedPrimary Ek, LoadedKey Ak) Keys() =>
        (_ek ?? throw new InvalidOperationException("no EK loaded"),
         _akHandle ?? throw new InvalidOperationException("no AK loaded"));

    private bool TryLoadStored(AgentData stored, TpmAlg hash, TpmAlg scheme)
    {
        try
        {
            LoadAk(Convert.FromBase64String(stored.AkPrivate), Convert.FromBase64String(stored.AkPublic), hash, scheme, reused: true);
            _logger.LogInformation("reusing the stored AK ({Scheme}/{Hash})", stored.AkSignAlg, stored.AkHashAlg);
            return true;
        }
        catch (Exception e) when (e is TpmCommandException or FormatException)
        {
            // A cleared TPM or a changed endorsement seed makes the blob unloadable: make a new AK.
            _logger.LogWarning("the stored AK cannot be loaded ({Error}); creating a new one", e.Message);
            return false;
        }
    }

    private void LoadAk(byte[] tpm2bPrivate, byte[] tpm2bPublic, TpmAlg hash, TpmAlg scheme, bool reused)
    {
        var ek = _ek!;
        var loaded = WithSlotRecovery(() => WithEkPolicy(auth => _tpm.Load(ek.Handle, auth, tpm2bPrivate, tpm2bPublic)));
        _akHandle = loaded;
        _ak = new AgentAttestationKey(TpmAlgorithms.KeyTypeOf(scheme), hash, scheme, tpm2bPublic, loaded.Name, reused);
    }

    private void FlushAk()
    {
        if (_akHandle is not null)
        {
            _tpm.FlushContext(_akHandle.Handle);
            _akHandle = null;
            _ak = null;
        }
    }

    /// <summary>
    /// Runs one command authorized by the EK's policy, PolicySecret(TPM_RH_ENDORSEMENT) in a fresh
    /// session (L-1/L-2 EKs, nameAlg SHA-256). A successful command closes the session
    /// (continueSession = 0); after a failure we flush it so sessions do not pile up.
    /// </summary>
    private T WithEkPolicy<T>(Func<TpmAuth, T> command)
    {
        var session = WithSlotRecovery(() => _tpm.StartPolicySession(TpmAlg.Sha256));
        try
        {
            _tpm.PolicySecret(session);
            return command(TpmAuth.Policy(session));
        }
        catch
        {
            TryFlush(session);
            throw;
        }
    }

    private void TryFlush(uint handle)
    {
        try
        {
            _tpm.FlushContext(handle);
        }
        catch (TpmCommandException)
        {
            // already gone
        }
    }

    private byte[]? ReadEkCertificate(uint index)
    {
        try
        {
            return DerCertificates.First(_tpm.NvReadAll(index));
        }
        catch (TpmCommandException e)
        {
            _logger.LogInformation("no EK certificate in NV 0x{Index:x8}: {Error}", index, e.ResponseCode);
            return null;
        }
    }

    private List<byte[]> ReadManufacturerCertificates()
    {
        var result = new List<byte[]>();
        foreach (var index in _tpm.GetHandles(ManufacturerCaFirst, ManufacturerCaCount))
        {
            try
            {
                result.AddRange(DerCertificates.Split(_tpm.NvReadAll(index)));
            }
            catch (TpmCommandException e)
            {
                _logger.LogWarning("cannot read CA certificate NV 0x{Index:x8}: {Error}", index, e.ResponseCode);
            }
        }

        return result;
    }
}
