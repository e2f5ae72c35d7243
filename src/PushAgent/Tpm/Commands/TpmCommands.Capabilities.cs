using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>A PCR bank and whether the TPM allocated it (non-empty selection in GetCapability(PCRS)).</summary>
public sealed record PcrBankAllocation(TpmAlg HashAlg, IReadOnlyList<int> Pcrs)
{
    public bool IsAllocated => Pcrs.Count > 0;
}

/// <summary>An algorithm the TPM implements and its TPMA_ALGORITHM bits.</summary>
public sealed record TpmAlgorithmProperty(TpmAlg Alg, uint Attributes);

public sealed partial class TpmCommands
{
    public void Startup(bool clear = true) =>
        Run(Tpm2Cc.Startup, [], [], new TpmWriter().WriteUInt16(clear ? (ushort)0 : (ushort)1));

    /// <summary>TPM2_Shutdown(CLEAR): send before a simulator reset so its next quotes keep clockInfo.safe = 1.</summary>
    public void Shutdown(bool clear = true) =>
        Run(Tpm2Cc.Shutdown, [], [], new TpmWriter().WriteUInt16(clear ? (ushort)0 : (ushort)1));

    public byte[] GetRandom(int count)
    {
        var response = Run(Tpm2Cc.GetRandom, [], [], new TpmWriter().WriteUInt16((ushort)count));
        return Parse(Tpm2Cc.GetRandom, response, (ref TpmReader r) => r.ReadSized("randomBytes").ToArray());
    }

    /// <summary>Raw TPM2_GetCapability: moreData and the TPMS_CAPABILITY_DATA body after its capability field.</summary>
    public (bool MoreData, byte[] Data) GetCapability(uint capability, uint property, uint count)
    {
        var p = new TpmWriter().WriteUInt32(capability).WriteUInt32(property).WriteUInt32(count);
        var response = Run(Tpm2Cc.GetCapability, [], [], p);
        return Parse(Tpm2Cc.GetCapability, response, (ref TpmReader r) =>
        {
            var more = r.ReadByte() != 0;
            var cap = r.ReadUInt32();
            if (cap != capability)
            {
                throw new TpmFormatException($"asked for capability {capability}, got {cap}");
            }

            return (more, r.ReadBytes(r.Remaining).ToArray());
        });
    }

    /// <summary>Every PCR bank the TPM knows, allocated or not.</summary>
    public IReadOnlyList<PcrBankAllocation> GetPcrBanks()
    {
        var (_, data) = GetCapability(Tpm2Cap.Pcrs, 0, 1);
        return Parse(Tpm2Cc.GetCapability, new TpmResponse([], data), (ref TpmReader r) =>
            PcrSelectionWire.Read(ref r).Banks.Select(s => new PcrBankAllocation(s.Hash, s.Pcrs.ToList())).ToList());
    }

    public IReadOnlyList<TpmAlgorithmProperty> GetAlgorithms()
    {
        var result = new List<TpmAlgorithmProperty>();
        uint next = 0;
        bool more;
        do
        {
            (more, var data) = GetCapability(Tpm2Cap.Algs, next, 128);
            var page = Parse(Tpm2Cc.GetCapability, new TpmResponse([], data), (ref TpmReader r) =>
            {
                var count = r.ReadUInt32();
                var list = new List<TpmAlgorithmProperty>();
                for (var i = 0; i < count; i++)
                {
                    list.Add(new TpmAlgorithmProperty((TpmAlg)r.ReadUInt16(), r.ReadUInt32()));
                }

                return list;
            });
            result.AddRange(page);
            if (page.Count == 0)
            {
                break;
            }

            next = (uint)page[^1].Alg + 1u;
        }
        while (more);

        return result;
    }

    /// <summary>One TPM_PT property value, or null when the TPM does not report it.</summary>
    public uint? GetTpmProperty(uint property)
    {
        var (_, data) = GetCapability(Tpm2Cap.TpmProperties, property, 1);
        return Parse(Tpm2Cc.GetCapability, new TpmResponse([], data), (ref TpmReader r) =>
        {
            var count = r.ReadUInt32();
            for (var i = 0; i < count; i++)
            {
                var tag = r.ReadUInt32();
                var value = r.ReadUInt32();
                if (tag == property)
                {
                    return (uint?)value;
                }
            }

            return null;
        });
    }

    /// <summary>Handles in [first, first + count) that exist (NV indexes, persistent or transient objects).</summary>
    public IReadOnlyList<uint> GetHandles(uint first, uint count)
    {
        var (_, data) = GetCapability(Tpm2Cap.Handles, first, count);
        return Parse(Tpm2Cc.GetCapability, new TpmResponse([], data), (ref TpmReader r) =>
        {
            var n = r.ReadUInt32();
            var list = new List<uint>();
            for (var i = 0; i < n; i++)
            {
                list.Add(r.ReadUInt32());
            }

            return list.Where(h => h >= first && h - first < count).ToList();
        });
    }

    /// <summary>TPM2_FlushContext; the handle is a parameter, not a handle-area entry.</summary>
    public void FlushContext(uint handle) =>
        Run(Tpm2Cc.FlushContext, [], [], new TpmWriter().WriteUInt32(handle));
}
