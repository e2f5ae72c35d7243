using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>TPMS_NV_PUBLIC fields (spec/tpm.md §3.3) and the index's Name.</summary>
public sealed record NvPublic(uint Index, ushort NameAlg, uint Attributes, byte[] AuthPolicy, ushort DataSize, byte[] Name);

public sealed partial class TpmCommands
{
    /// <summary>NV_BUFFER_MAX when the TPM does not report it; 1024 is libtpms' value and the usual minimum.</summary>
    private const int DefaultNvBufferMax = 1024;

    public NvPublic NvReadPublic(uint nvIndex)
    {
        var response = Run(Tpm2Cc.NvReadPublic, [nvIndex], [], null);
        return Parse(Tpm2Cc.NvReadPublic, response, (ref TpmReader r) =>
        {
            var publicArea = r.ReadSized("nvPublic");
            var name = r.ReadSized("nvName").ToArray();
            var p = new TpmReader(publicArea);
            var nv = new NvPublic(p.ReadUInt32(), p.ReadUInt16(), p.ReadUInt32(), p.ReadSized("authPolicy").ToArray(), p.ReadUInt16(), name);
            p.ExpectEnd("TPMS_NV_PUBLIC");
            return nv;
        });
    }

    /// <summary>One TPM2_NV_Read of at most NV_BUFFER_MAX bytes, authorized by the index itself with an empty password.</summary>
    public byte[] NvRead(uint nvIndex, ushort size, ushort offset, uint? authHandle = null)
    {
        var p = new TpmWriter().WriteUInt16(size).WriteUInt16(offset);
        var response = Run(Tpm2Cc.NvRead, [authHandle ?? nvIndex, nvIndex], [TpmAuth.EmptyPassword], p);
        return Parse(Tpm2Cc.NvRead, response, (ref TpmReader r) => r.ReadSized("data").ToArray());
    }

    /// <summary>The whole content of an NV index, read in chunks of the TPM's NV_BUFFER_MAX.</summary>
    public byte[] NvReadAll(uint nvIndex)
    {
        var size = NvReadPublic(nvIndex).DataSize;
        var chunk = (int)Math.Min(GetTpmProperty(Tpm2Cap.PtNvBufferMax) ?? DefaultNvBufferMax, ushort.MaxValue);
        var data = new byte[size];
        for (var offset = 0; offset < size; offset += chunk)
        {
            var n = Math.Min(chunk, size - offset);
            var part = NvRead(nvIndex, (ushort)n, (ushort)offset);
            if (part.Length != n)
            {
                throw new TpmTransportException($"TPM2_NV_Read returned {part.Length} bytes, asked for {n}");
            }

            part.CopyTo(data, offset);
        }

        return data;
    }
}
