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

    /// <summary>Parses with the TPM core and checks the certify-specific fields are present for a certify.</summary>
    public static TpmsAttest Fields(byte[] attest) => TpmsAttest.Parse(attest);
}
