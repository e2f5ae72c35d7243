using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Keylime.Shared.Configuration;

namespace Keylime.Shared.Security;

/// <summary>
/// <c>tls_dir = generate</c>: on first start create a CA (<c>cacert.crt</c> + <c>ca-private.pem</c>),
/// a server certificate (<c>server-cert.crt</c>/<c>server-private.pem</c>) and, for the verifier,
/// a client certificate for the tenant (<c>client-cert.crt</c>/<c>client-private.pem</c>), with
/// Keylime's file names. Files that exist are reused; private keys are written mode 0600 and the
/// directory 0700. Keys are RSA (<c>cert_bits</c>, 2048), PKCS#8 PEM, which both Python's
/// cryptography and rust-keylime read.
/// </summary>
public static class KeylimeCa
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Creates whatever is missing when <see cref="TlsSettings.Generate"/> is set; otherwise does nothing.</summary>
    public static void EnsureGenerated(TlsSettings settings, TimeProvider? time = null)
    {
        if (!settings.Generate)
        {
            return;
        }

        var now = (time ?? TimeProvider.System).GetUtcNow();
        CreateDirectory(settings.TlsDir);
        var caCertPath = Path.Combine(settings.TlsDir, TlsSettings.CaCertFile);
        var caKeyPath = Path.Combine(settings.TlsDir, TlsSettings.CaKeyFile);
        if (!File.Exists(caCertPath))
        {
            using var caKey = RSA.Create(settings.Ca.CertBits);
            using var created = CreateCa(settings.Ca, caKey, now);
            WriteKey(caKeyPath, caKey, "");
            WriteCert(caCertPath, created);
        }

        bool needServer = !File.Exists(settings.ServerCert) || !File.Exists(settings.ServerKey);
        bool needClient = settings.GenerateClient && (!File.Exists(Path.Combine(settings.TlsDir, TlsSettings.ClientCertFile))
            || !File.Exists(Path.Combine(settings.TlsDir, TlsSettings.ClientKeyFile)));
        if (!needServer && !needClient)
        {
            return;
        }

        if (!File.Exists(caKeyPath))
        {
            throw new KeylimeConfigException(
                $"cannot generate TLS certificates in {settings.TlsDir}: {TlsSettings.CaCertFile} exists but its key {TlsSettings.CaKeyFile} does not");
        }

        using var ca = X509Certificate2.CreateFromPemFile(caCertPath, caKeyPath);
        if (needServer)
        {
            IssueLeaf(ca, settings, "server", settings.SubjectAlternativeNames, ServerAuth, settings.ServerCert, settings.ServerKey, settings.ServerKeyPassword, now);
        }

        if (needClient)
        {
            IssueLeaf(ca, settings, "client", [], ClientAuth,
                Path.Combine(settings.TlsDir, TlsSettings.ClientCertFile), Path.Combine(settings.TlsDir, TlsSettings.ClientKeyFile), "", now);
        }
    }

    /// <summary>Issues a leaf certificate signed by <paramref name="ca"/> (tests and tools use it too).</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string commonName, IEnumerable<string> subjectAlternativeNames, bool server, RSA key, DateTimeOffset now, int lifetimeDays = 365)
    {
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + commonName), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([server ? ServerAuth : ClientAuth], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var sans = new SubjectAlternativeNameBuilder();
        bool any = false;
        foreach (var name in subjectAlternativeNames)
        {
            any = true;
            if (IPAddress.TryParse(name, out var ip))
            {
                sans.AddIpAddress(ip);
            }
            else
            {
                sans.AddDnsName(name);
            }
        }

        if (any)
        {
            request.CertificateExtensions.Add(sans.Build());
        }

        var notAfter = now.AddDays(lifetimeDays) < ca.NotAfter ? now.AddDays(lifetimeDays) : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        return request.Create(ca, now.AddMinutes(-5), notAfter, Secrets.RandomBytes(16).Select((b, i) => i == 0 ? (byte)(b & 0x7f) : b).ToArray());
    }

    /// <summary>Creates a self-signed CA certificate with ca.conf's subject.</summary>
    public static X509Certificate2 CreateCa(CaOptions ca, RSA key, DateTimeOffset now)
    {
        var subject = $"CN={ca.CertCaName}, C={ca.CertCountry}, ST={ca.CertState}, L={ca.CertLocality}, O={ca.CertOrganization}, OU={ca.CertOrgUnit}";
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(ca.CertCaLifetimeDays));
    }

    private static void IssueLeaf(X509Certificate2 ca, TlsSettings s, string cn, IEnumerable<string> sans, Oid usage, string certPath, string keyPath, string password, DateTimeOffset now)
    {
        using var key = RSA.Create(s.Ca.CertBits);
        using var cert = Issue(ca, cn, sans, usage == ServerAuth, key, now, s.Ca.CertLifetimeDays);
        File.Delete(keyPath); // a half-present pair is replaced as a whole
        File.Delete(certPath);
        WriteKey(keyPath, key, password);
        WriteCert(certPath, cert);
    }

    private static void WriteCert(string path, X509Certificate2 cert) =>
        WriteFile(path, cert.ExportCertificatePem() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    // A configured server_key_password encrypts the generated key (PKCS#8, AES-256-CBC, PBKDF2).
    private static void WriteKey(string path, RSA key, string password)
    {
        var pem = password.Length == 0
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000));
        WriteFile(path, pem + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    // The file is created with its final mode, so a private key is never readable by others, even briefly.
    private static void WriteFile(string path, string text, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    private static void CreateDirectory(string dir)
    {
        if (Directory.Exists(dir))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
