using System.Security.Cryptography;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Tpm;

/// <summary>One manufactured swtpm per test class (RSA EK + certificate in NV) and a scratch folder.</summary>
public sealed class SwtpmTpmFixture : IDisposable
{
    public SwtpmTpmFixture()
    {
        Swtpm = Swtpm.Start();
        Scratch = Directory.CreateTempSubdirectory("keylime-agent-tpm.").FullName;
    }

    public Swtpm Swtpm { get; }

    public string Scratch { get; }

    public HardwareTpm OpenTpm() => HardwareTpm.Open(Swtpm.Tcti);

    public string File(string name) => Path.Combine(Scratch, name);

    /// <summary>Flushes every transient object tpm2-tools left behind (swtpm has only 3 slots and no resource manager).</summary>
    public void FlushTransients() => Swtpm.Tools("tpm2_flushcontext", "-t");

    public void Dispose()
    {
        Swtpm.Dispose();
        Directory.Delete(Scratch, recursive: true);
    }
}

/// <summary>Checks quotes and certifications with .NET crypto alone, straight from the TPM bytes.</summary>
internal static class AttestCheck
{
    public static bool SignatureVerifies(byte[] tpm2bPublic, byte[] attest, byte[] signature)
    {
        var key = TpmPublic.Parse(tpm2bPublic);
        var r = new TpmReader(signature);
        var sigAlg = (TpmAlg)r.ReadUInt16();
        var name = TpmHash.ToName((TpmAlg)r.ReadUInt16());
        switch (sigAlg)
        {
            case TpmAlg.RsaSsa:
            case TpmAlg.RsaPss:
                {
                    var sig = r.ReadSized("sig").ToArray();
                    r.ExpectEnd("TPMT_SIGNATURE");
                    using var rsa = key.ToRsa();
                    var padding = sigAlg == TpmAlg.RsaSsa ? RSASignaturePadding.Pkcs1 : RSASignaturePadding.Pss;
                    return rsa.VerifyData(attest, sig, name, padding);
                }

            case TpmAlg.EcDsa:
                {
                    var rr = r.ReadSized("r").ToArray();
                    var ss = r.ReadSized("s").ToArray();
                    r.ExpectEnd("TPMT_SIGNATURE");
                    using var ec = key.ToECDsa();
                    var p1363 = new byte[64];
                    rr.CopyTo(p1363, 32 - rr.Length);
                    ss.CopyTo(p1363, 64 - ss.Length);
                    return ec.VerifyData(attest, p1363, name);
                }

            default:
                throw new InvalidOperationException($"signature algorithm {sigAlg}");
        }
    }

    /// <summary>Type, extraData and (for certify) the certified Name of a TPMS_ATTEST.</summary>
    public static (ushort Type, byte[] ExtraData, byte[] QualifiedSigner, byte Safe, byte[]? CertifiedName) Fields(byte[] attest)
    {
        var r = new TpmReader(attest);
        Assert.Equal(Tpm2Tag.GeneratedValue, r.ReadUInt32());
        var type = r.ReadUInt16();
        var signer = r.ReadSized("qualifiedSigner").ToArray();
        var extra = r.ReadSized("extraData").ToArray();
        r.ReadUInt64();
        r.ReadUInt32();
        r.ReadUInt32();
        var safe = r.ReadByte();
        r.ReadUInt64();
        byte[]? certified = null;
        if (type == Tpm2Tag.AttestCertify)
        {
            certified = r.ReadSized("name").ToArray();
            r.ReadSized("qualifiedName");
        }
        else
        {
            PcrBankSelection.ReadList(ref r);
            r.ReadSized("pcrDigest");
        }

        r.ExpectEnd("TPMS_ATTEST");
        return (type, extra, signer, safe, certified);
    }

    /// <summary>tpm2-tools' serialized PCR file for one bank (spec/tpm.md §3.10, little-endian), for tpm2_checkquote -f.</summary>
    public static byte[] PcrBlob(TpmAlg bank, IReadOnlyList<int> pcrs, IReadOnlyList<byte[]> values)
    {
        var blob = new List<byte>();
        blob.AddRange(BitConverter.GetBytes(1u));
        var slot = new byte[8];
        BitConverter.GetBytes((ushort)bank).CopyTo(slot, 0);
        slot[2] = 3;
        foreach (var pcr in pcrs)
        {
            slot[3 + (pcr / 8)] |= (byte)(1 << (pcr % 8));
        }

        blob.AddRange(slot);
        blob.AddRange(new byte[15 * 8]);
        var chunks = values.Chunk(8).ToList();
        blob.AddRange(BitConverter.GetBytes((uint)chunks.Count));
        foreach (var chunk in chunks)
        {
            blob.AddRange(BitConverter.GetBytes((uint)chunk.Length));
            for (var i = 0; i < 8; i++)
            {
                var value = i < chunk.Length ? chunk[i] : [];
                blob.AddRange(BitConverter.GetBytes((ushort)value.Length));
                var buffer = new byte[64];
                value.CopyTo(buffer, 0);
                blob.AddRange(buffer);
            }
        }

        return blob.ToArray();
    }
}
