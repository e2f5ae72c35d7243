using System.Globalization;
using Keylime.Shared.Tpm;
using Keylime.TestSupport;

namespace Keylime.Registrar.Tests.Support;

/// <summary>
/// The TPM side of a Keylime agent done with tpm2-tools on a real swtpm: EK (with its certificate
/// from NV), AK created under the EK, ActivateCredential with the EK's PolicySecret session.
/// Transient objects are flushed after every step (swtpm has three slots and no resource manager).
/// </summary>
public sealed class TpmAgent
{
    private readonly Swtpm _tpm;
    private readonly string _prefix;

    private TpmAgent(Swtpm tpm, string name)
    {
        _tpm = tpm;
        _prefix = Path.Combine(tpm.Directory, name);
    }

    public byte[] EkPublic { get; private set; } = [];

    public byte[] EkCertificate { get; private set; } = [];

    public byte[] AkPublic { get; private set; } = [];

    private string AkContext { get; set; } = "";

    /// <summary>The manufactured RSA-2048 EK (template L-1) and its certificate from NV 0x01c00002; an RSA AK.</summary>
    public static TpmAgent Rsa(Swtpm tpm, string name)
    {
        var agent = new TpmAgent(tpm, name);
        agent.Tool("tpm2_createek", $"-c {agent.File("ek.ctx")} -G rsa -u {agent.File("ek.pub")}");
        agent.Tool("tpm2_nvread", $"0x01c00002 -C o -o {agent.File("ek.der")}");
        agent.EkCertificate = System.IO.File.ReadAllBytes(agent.File("ek.der"));
        agent.Load("rsa", "rsassa");
        return agent;
    }

    /// <summary>
    /// An ECC P-256 EK (template L-2). swtpm_setup makes no P-256 EK certificate, so — as
    /// spec/tpm.md §9.3 describes — swtpm's own CA issues one and it is written to NV 0x01c0000a,
    /// then read back from there like an agent would. One per TPM.
    /// </summary>
    public static TpmAgent Ecc(Swtpm tpm, string name)
    {
        var agent = new TpmAgent(tpm, name);
        agent.Tool("tpm2_createek", $"-c {agent.File("ek.ctx")} -G ecc -u {agent.File("ek.pub")}");
        var ek = TpmPublic.Parse(System.IO.File.ReadAllBytes(agent.File("ek.pub")));
        var certDir = System.IO.Directory.CreateDirectory(agent.File("ekcert")).FullName;
        var dir = tpm.Directory;
        Prerequisites.Run(Prerequisites.Program("swtpm_localca", "swtpm-tools"),
            $"--type ek --ek x={Convert.ToHexStringLower(ek.X)},y={Convert.ToHexStringLower(ek.Y)},id=secp256r1 --dir {certDir} --tpm2 --decryption " +
            $"--configfile {dir}/swtpm-localca.conf --optsfile {dir}/swtpm-localca.options --tpm-spec-family 2.0 --tpm-spec-level 0 " +
            "--tpm-spec-revision 164 --tpm-manufacturer id:00001014 --tpm-model swtpm --tpm-version id:20191023");
        var issued = Path.Combine(certDir, "ek.cert");
        var size = new FileInfo(issued).Length.ToString(CultureInfo.InvariantCulture);
        agent.Tool("tpm2_nvdefine", $"0x01c0000a -C p -s {size} -a \"ppwrite|writedefine|ppread|ownerread|authread|no_da|platformcreate\"");
        agent.Tool("tpm2_nvwrite", $"0x01c0000a -C p -i {issued}");
        agent.Tool("tpm2_nvread", $"0x01c0000a -C o -o {agent.File("ek.der")}");
        agent.EkCertificate = System.IO.File.ReadAllBytes(agent.File("ek.der"));
        agent.Load("ecc", "ecdsa");
        return agent;
    }

    /// <summary>Makes a new AK under the same EK (what an agent that lost its AK would send).</summary>
    public byte[] CreateAnotherAk(string name)
    {
        var ctx = File($"{name}.ak.ctx");
        var pub = File($"{name}.ak.pub");
        var type = TpmPublic.Parse(EkPublic).IsEcc ? "ecc" : "rsa";
        Tool("tpm2_createak", $"-C {File("ek.ctx")} -c {ctx} -G {type} -g sha256 -s {(type == "ecc" ? "ecdsa" : "rsassa")} -u {pub}");
        return System.IO.File.ReadAllBytes(pub);
    }

    /// <summary>
    /// A real TPM signing key that is not restricted (it could sign any digest, e.g. a forged
    /// quote): a primary in the owner hierarchy with fixedTPM|fixedParent|sensitiveDataOrigin|sign.
    /// </summary>
    public byte[] CreateUnrestrictedSigningKey(string name)
    {
        var ctx = File($"{name}.ctx");
        Tool("tpm2_createprimary", $"-C o -G rsa2048:rsassa-sha256:null -a \"fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign\" -c {ctx}", flush: false);
        Tool("tpm2_readpublic", $"-c {ctx} -o {File($"{name}.pub")}");
        return System.IO.File.ReadAllBytes(File($"{name}.pub"));
    }

    /// <summary>TPM2_ActivateCredential of a registrar blob (tpm2-tools container) with this EK and AK.</summary>
    public byte[] ActivateCredential(string blobBase64)
    {
        var blob = File("blob");
        var session = File("session.ctx");
        var output = File("credential");
        System.IO.File.WriteAllBytes(blob, Convert.FromBase64String(blobBase64));
        System.IO.File.Delete(output);
        try
        {
            Tool("tpm2_startauthsession", $"--policy-session -S {session}", flush: false);
            Tool("tpm2_policysecret", $"-S {session} -c e", flush: false);
            Tool("tpm2_activatecredential", $"-c {AkContext} -C {File("ek.ctx")} -i {blob} -o {output} -P session:{session}", flush: false);
        }
        finally
        {
            try
            {
                _tpm.Tools("tpm2_flushcontext", session);
            }
            catch (InvalidOperationException)
            {
            }

            _tpm.Tools("tpm2_flushcontext", "-t");
        }

        return System.IO.File.ReadAllBytes(output);
    }

    /// <summary>The agent's activation proof for <paramref name="agentId"/>.</summary>
    public string AuthTag(string blobBase64, string agentId) =>
        ActivationProof.AuthTag(ActivationProof.KeyFor(ActivateCredential(blobBase64)), agentId);

    private void Load(string type, string scheme)
    {
        EkPublic = System.IO.File.ReadAllBytes(File("ek.pub"));
        AkContext = File("ak.ctx");
        Tool("tpm2_createak", $"-C {File("ek.ctx")} -c {AkContext} -G {type} -g sha256 -s {scheme} -u {File("ak.pub")}");
        AkPublic = System.IO.File.ReadAllBytes(File("ak.pub"));
    }

    private string File(string name) => $"{_prefix}.{name}";

    private void Tool(string tool, string arguments, bool flush = true)
    {
        _tpm.Tools(tool, arguments);
        if (flush)
        {
            _tpm.Tools("tpm2_flushcontext", "-t");
        }
    }
}
