using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Keylime.Shared.Tpm;

/// <summary>
/// EK certificate handling: load (PEM or DER, as the Rust agent and the registrar send them), compare
/// the certificate key with the TPM's <c>ek_tpm</c>, and validate the chain against a Keylime
/// <c>tpm_cert_store</c> (see <see cref="TpmCertStore"/>).
/// </summary>
public static class EkCertificates
{
    /// <summary>
    /// Loads a certificate from PEM text (the first CERTIFICATE block; the Rust agent appends the NV chain
    /// after the EK certificate) or from DER. Trailing bytes after the DER SEQUENCE are dropped: some TPMs
    /// store their certificate in a zero-padded NV index (rust-keylime re-encodes for the same reason).
    /// </summary>
    public static X509Certificate2 Load(ReadOnlySpan<byte> pemOrDer)
    {
        var der = LooksLikePem(pemOrDer) ? FirstPemCertificate(pemOrDer) : pemOrDer.ToArray();
        try
        {
            AsnDecoder.ReadEncodedValue(der, AsnEncodingRules.BER, out _, out _, out var consumed);
            return X509CertificateLoader.LoadCertificate(der.AsSpan(0, consumed));
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException)
        {
            throw new TpmFormatException("EK certificate is neither PEM nor DER X.509", e);
        }
    }

    /// <summary>Loads every certificate of a PEM bundle, or one DER certificate.</summary>
    public static X509Certificate2Collection LoadAll(ReadOnlySpan<byte> pemOrDer)
    {
        var collection = new X509Certificate2Collection();
        if (!LooksLikePem(pemOrDer))
        {
            collection.Add(Load(pemOrDer));
            return collection;
        }

        try
        {
            collection.ImportFromPem(Encoding.ASCII.GetString(pemOrDer));
        }
        catch (CryptographicException e)
        {
            throw new TpmFormatException("PEM bundle holds an invalid certificate", e);
        }

        return collection;
    }

    /// <summary>
    /// True when the certificate's public key is the EK's (registrar step 4: "must contain the same public
    /// key found in ekcert"). Compared as key parameters, so DER spelling differences don't matter.
    /// </summary>
    public static bool KeyMatches(X509Certificate2 certificate, TpmPublic ek)
    {
        try
        {
            if (ek.IsRsa)
            {
                using var certKey = certificate.GetRSAPublicKey();
                if (certKey is null)
                {
                    return false;
                }

                var p = certKey.ExportParameters(false);
                using var ekKey = ek.ToRsa();
                var q = ekKey.ExportParameters(false);
                return p.Modulus.AsSpan().SequenceEqual(q.Modulus) && p.Exponent.AsSpan().SequenceEqual(q.Exponent);
            }

            if (ek.IsEcc)
            {
                // GetECDsaPublicKey() refuses keys whose key usage is keyAgreement only, as EK certs say.
                using var certKey = ECDsa.Create();
                certKey.ImportSubjectPublicKeyInfo(certificate.PublicKey.ExportSubjectPublicKeyInfo(), out _);

                // Curve spellings differ between providers (OID value vs friendly name), so compare the
                // field size and the point: a CA-signed point cannot be re-used on another curve by the agent.
                var p = certKey.ExportParameters(false);
                using var ekKey = ek.ToECDsa();
                var q = ekKey.ExportParameters(false);
                return certKey.KeySize == ekKey.KeySize
                       && p.Q.X.AsSpan().SequenceEqual(q.Q.X) && p.Q.Y.AsSpan().SequenceEqual(q.Q.Y);
            }
        }
        catch (Exception e) when (e is CryptographicException or TpmFormatException)
        {
            return false;
        }

        return false;
    }

    private static bool LooksLikePem(ReadOnlySpan<byte> data) => data.IndexOf("-----BEGIN"u8) >= 0;

    private static byte[] FirstPemCertificate(ReadOnlySpan<byte> pem)
    {
        var text = Encoding.ASCII.GetString(pem).AsSpan();
        while (PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                var base64 = text[fields.Base64Data];
                var der = new byte[fields.DecodedDataLength];
                if (Convert.TryFromBase64Chars(base64, der, out var written))
                {
                    return der[..written];
                }
            }

            text = text[fields.Location.End..];
        }

        throw new TpmFormatException("no CERTIFICATE block in the PEM text");
    }
}
