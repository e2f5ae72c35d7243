using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>A key CreatePrimary made and loaded. <c>Public</c> is the TPM2B_PUBLIC (size prefix included); <c>Name</c> the TPM2B_NAME body.</summary>
public sealed record CreatedPrimary(uint Handle, byte[] Public, byte[] Name);

/// <summary>TPM2_Create output: TPM2B_PRIVATE and TPM2B_PUBLIC, both with their size prefix, as Load wants them back.</summary>
public sealed record CreatedKey(byte[] Private, byte[] Public);

/// <summary>A loaded object: its transient handle and Name (TPM2B_NAME body).</summary>
public sealed record LoadedKey(uint Handle, byte[] Name);

/// <summary>TPM2_ReadPublic output: TPM2B_PUBLIC (with size), Name and qualified Name (bodies).</summary>
public sealed record ObjectPublic(byte[] Public, byte[] Name, byte[] QualifiedName);

public sealed partial class TpmCommands
{
    /// <summary>
    /// TPM2_CreatePrimary with an empty TPM2B_SENSITIVE_CREATE, no outsideInfo and no creation PCRs
    /// (spec/tpm.md §7). <paramref name="template"/> is a TPMT_PUBLIC (no size prefix).
    /// </summary>
    public CreatedPrimary CreatePrimary(uint hierarchy, ReadOnlySpan<byte> template, TpmAuth? hierarchyAuth = null)
    {
        var p = CreationParameters(template);
        var response = Run(Tpm2Cc.CreatePrimary, [hierarchy], [hierarchyAuth ?? TpmAuth.EmptyPassword], p, responseHandles: 1);
        return Parse(Tpm2Cc.CreatePrimary, response, (ref TpmReader r) =>
        {
            var outPublic = ReadTpm2B(ref r, "outPublic");
            r.ReadSized("creationData");
            r.ReadSized("creationHash");
            SkipTicket(ref r);
            var name = r.ReadSized("name").ToArray();
            return new CreatedPrimary(response.Handles[0], outPublic, name);
        });
    }

    /// <summary>TPM2_Create of a child under <paramref name="parent"/> (for the AK: the EK with its policy session).</summary>
    public CreatedKey Create(uint parent, TpmAuth parentAuth, ReadOnlySpan<byte> template)
    {
        var p = CreationParameters(template);
        var response = Run(Tpm2Cc.Create, [parent], [parentAuth], p);
        return Parse(Tpm2Cc.Create, response, (ref TpmReader r) =>
        {
            var outPrivate = ReadTpm2B(ref r, "outPrivate");
            var outPublic = ReadTpm2B(ref r, "outPublic");
            return new CreatedKey(outPrivate, outPublic);
        });
    }

    /// <summary>TPM2_Load of a TPM2B_PRIVATE / TPM2B_PUBLIC pair (both with their size prefix).</summary>
    public LoadedKey Load(uint parent, TpmAuth parentAuth, ReadOnlySpan<byte> tpm2bPrivate, ReadOnlySpan<byte> tpm2bPublic)
    {
        var p = new TpmWriter().WriteBytes(tpm2bPrivate).WriteBytes(tpm2bPublic);
        var response = Run(Tpm2Cc.Load, [parent], [parentAuth], p, responseHandles: 1);
        return Parse(Tpm2Cc.Load, response, (ref TpmReader r) => new LoadedKey(response.Handles[0], r.ReadSized("name").ToArray()));
    }

    public ObjectPublic ReadPublic(uint handle)
    {
        var response = Run(Tpm2Cc.ReadPublic, [handle], [], null);
        return Parse(Tpm2Cc.ReadPublic, response, (ref TpmReader r) =>
            new ObjectPublic(ReadTpm2B(ref r, "outPublic"), r.ReadSized("name").ToArray(), r.ReadSized("qualifiedName").ToArray()));
    }

    private static TpmWriter CreationParameters(ReadOnlySpan<byte> template)
    {
        var p = new TpmWriter(template.Length + 16);
        p.WriteUInt16(4).WriteSized([]).WriteSized([]); // TPM2B_SENSITIVE_CREATE: empty userAuth, empty data
        p.WriteSized(template);
        p.WriteSized([]); // outsideInfo
        p.WriteUInt32(0); // creationPCR: empty TPML_PCR_SELECTION
        return p;
    }

    /// <summary>Reads a TPM2B and returns it with its size prefix, the form Load and the registrar want.</summary>
    private static byte[] ReadTpm2B(ref TpmReader r, string what)
    {
        var body = r.ReadSized(what);
        var bytes = new byte[body.Length + 2];
        bytes[0] = (byte)(body.Length >> 8);
        bytes[1] = (byte)body.Length;
        body.CopyTo(bytes.AsSpan(2));
        return bytes;
    }

    private static void SkipTicket(ref TpmReader r)
    {
        r.ReadUInt16(); // tag
        r.ReadUInt32(); // hierarchy
        r.ReadSized("ticket digest");
    }
}
