using Keylime.TestSupport;

namespace Keylime.Verifier.Tests.Support;

/// <summary>Real TPM structures and Keylime data used across the tests.</summary>
public static class Fixtures
{
    /// <summary>An RSA-2048 AK made by tpm2_createak on swtpm (tpm-vectors/ak/ak_rsa.pub), base64 TPM2B_PUBLIC.</summary>
    public static string AkRsa => Base64("tpm-vectors", "ak", "ak_rsa.pub");

    public static string AkEcc => Base64("tpm-vectors", "ak", "ak_ecc.pub");

    /// <summary>An endorsement key: a restricted <em>decryption</em> key, not an AK.</summary>
    public static string EkRsa => Base64("tpm-vectors", "ek", "ek_rsa.pub");

    public static string Base64(params string[] path) => Convert.ToBase64String(File.ReadAllBytes(SharedData.Path(path)));

    public static string Text(params string[] path) => File.ReadAllText(SharedData.Path(path));

    /// <summary>The shared Keylime verifier.conf (mode = push), unchanged.</summary>
    public static string VerifierConf => SharedData.Path("data", "keylime-conf", "verifier.conf");
}
