using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.Shared.Tpm;

/// <summary>Why an EK certificate was refused.</summary>
public enum EkCertificateFailure
{
    None = 0,
    KeyMismatch,
    UntrustedChain,
}

/// <summary>Outcome of <see cref="TpmCertStore.Validate"/>.</summary>
public sealed record EkCertificateResult(EkCertificateFailure Failure, string Message)
{
    public static readonly EkCertificateResult Valid = new(EkCertificateFailure.None, "");

    public bool IsValid => Failure == EkCertificateFailure.None;
}

/// <summary>
/// A Keylime <c>tpm_cert_store</c>: a directory of TPM vendor CA certificates (PEM bundles or DER, any
/// file name). Self-signed certificates become trust anchors, the rest intermediates. Chains are built
/// with <see cref="X509Chain"/> and a custom root store; TPM-vendor quirks that say nothing about who
/// signed the certificate are tolerated (see <see cref="ToleratedQuirks"/>).
/// </summary>
public sealed class TpmCertStore
{
    /// <summary>
    /// EK certificates routinely carry a critical SubjectAltName holding only a directoryName (TPM
    /// manufacturer/model/version), the TCG EK EKU 2.23.133.8.1 or no EKU, and vendor extensions the
    /// platform does not know; none of these weakens the signature chain, so they do not fail validation.
    /// </summary>
    public const X509ChainStatusFlags ToleratedQuirks =
        X509ChainStatusFlags.HasNotSupportedCriticalExtension
        | X509ChainStatusFlags.NotValidForUsage
        | X509ChainStatusFlags.InvalidExtension
        | X509ChainStatusFlags.HasNotSupportedNameConstraint
        | X509ChainStatusFlags.RevocationStatusUnknown
        | X509ChainStatusFlags.OfflineRevocation;

    private readonly X509Certificate2Collection _roots;
    private readonly X509Certificate2Collection _intermediates;
    private readonly HashSet<string> _rootThumbprints;
    private readonly HashSet<string> _intermediateThumbprints;

    public TpmCertStore(IEnumerable<X509Certificate2> certificates, TimeProvider? timeProvider = null)
    {
        _roots = [];
        _intermediates = [];
        TimeProvider = timeProvider ?? TimeProvider.System;
        foreach (var cert in certificates)
        {
            (cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData) ? _roots : _intermediates).Add(cert);
        }

        _rootThumbprints = _roots.Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);
        _intermediateThumbprints = _intermediates.Select(c => c.Thumbprint).ToHashSet(StringComparer.Ordinal);
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Files that could not be read as certificates when loading the directory (reported, not fatal).</summary>
    public IReadOnlyList<string> SkippedFiles { get; private init; } = [];

    public int Count => _roots.Count + _intermediates.Count;

    /// <summary>Loads every certificate file in <paramref name="directory"/> (not recursive).</summary>
    public static TpmCertStore Load(string directory, TimeProvider? timeProvider = null)
    {
        var certificates = new List<X509Certificate2>();
        var skipped = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            try
            {
                certificates.AddRange(EkCertificates.LoadAll(File.ReadAllBytes(file)));
            }
            catch (TpmFormatException)
            {
                skipped.Add(Path.GetFileName(file));
            }
        }

        return new TpmCertStore(certificates, timeProvider) { SkippedFiles = skipped };
    }

    /// <summary>
    /// Checks that <paramref name="ekCertificate"/> carries the key of <paramref name="ek"/> (when given) and
    /// chains to a root of this store, optionally through <paramref name="extraIntermediates"/> (the NV chain).
    /// </summary>
    public EkCertificateResult Validate(X509Certificate2 ekCertificate, TpmPublic? ek, X509Certificate2Collection? extraIntermediates = null)
    {
        if (ek is not null && !EkCertificates.KeyMatches(ekCertificate, ek))
        {
            return new(EkCertificateFailure.KeyMismatch, "the EK certificate does not contain the EK public key (ek_tpm)");
        }

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_roots);
        policy.ExtraStore.AddRange(_intermediates);
        if (extraIntermediates is not null)
        {
            policy.ExtraStore.AddRange(extraIntermediates);
        }

        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.VerificationTime = TimeProvider.GetUtcNow().UtcDateTime;
        policy.DisableCertificateDownloads = true;
        try
        {
            if (chain.Build(ekCertificate))
            {
                return EkCertificateResult.Valid;
            }
        }
        catch (CryptographicException e)
        {
            return new(EkCertificateFailure.UntrustedChain, $"chain building failed: {e.Message}");
        }

        // Keylime's tenant accepts an EK certificate issued by any certificate of the store, so a store
        // holding only a vendor intermediate is a valid anchor too; the signatures along the chain are
        // still checked by X509Chain (NotSignatureValid is never tolerated).
        var top = chain.ChainElements.Count >= 2 ? chain.ChainElements[^1].Certificate : null;
        var anchoredAtRoot = top is not null && _rootThumbprints.Contains(top.Thumbprint);
        var anchoredAtIntermediate = top is not null && _intermediateThumbprints.Contains(top.Thumbprint);
        var tolerated = ToleratedQuirks
                        | (anchoredAtIntermediate ? X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot : 0);
        var problems = chain.ChainElements
            .SelectMany(element => element.ChainElementStatus)
            .Concat(chain.ChainStatus)
            .Where(status => (status.Status & ~tolerated) != 0)
            .Select(status => status.Status)
            .Distinct()
            .ToList();
        if (problems.Count == 0 && (anchoredAtRoot || anchoredAtIntermediate))
        {
            return EkCertificateResult.Valid;
        }

        return new(EkCertificateFailure.UntrustedChain,
            $"the EK certificate does not chain to the tpm_cert_store: {string.Join(", ", problems)}");
    }
}
