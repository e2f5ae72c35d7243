namespace Keylime.Shared.Configuration;

/// <summary>
/// The durable-attestation options that <c>[verifier]</c> and <c>[registrar]</c> both carry
/// (spec/verifier.md §10.2, spec/registrar.md §9.2). Read for completeness: neither component
/// exports to a persistent store or transparency log.
/// </summary>
public sealed record DurableAttestationOptions
{
    public string Import { get; init; } = "";
    public string PersistentStoreUrl { get; init; } = "";
    public string TransparencyLogUrl { get; init; } = "";
    public string TimeStampAuthorityUrl { get; init; } = "";
    public string TimeStampAuthorityCertsPath { get; init; } = "";
    public string PersistentStoreFormat { get; init; } = "json";
    public string PersistentStoreEncoding { get; init; } = "";
    public string TransparencyLogSignAlgo { get; init; } = "sha256";

    /// <summary>The template default differs per component (the registrar signs ek_tpm, aik_tpm, ekcert).</summary>
    public IReadOnlyList<string> SignedAttributes { get; init; } = [];

    /// <summary>Reads the options from <paramref name="s"/>, falling back to <paramref name="d"/>.</summary>
    internal static DurableAttestationOptions Read(ConfigSection s, DurableAttestationOptions d) => new()
    {
        Import = s.String("durable_attestation_import", d.Import),
        PersistentStoreUrl = s.String("persistent_store_url", d.PersistentStoreUrl),
        TransparencyLogUrl = s.String("transparency_log_url", d.TransparencyLogUrl),
        TimeStampAuthorityUrl = s.String("time_stamp_authority_url", d.TimeStampAuthorityUrl),
        TimeStampAuthorityCertsPath = s.String("time_stamp_authority_certs_path", d.TimeStampAuthorityCertsPath),
        PersistentStoreFormat = s.String("persistent_store_format", d.PersistentStoreFormat),
        PersistentStoreEncoding = s.String("persistent_store_encoding", d.PersistentStoreEncoding),
        TransparencyLogSignAlgo = s.String("transparency_log_sign_algo", d.TransparencyLogSignAlgo),
        SignedAttributes = s.List("signed_attributes", d.SignedAttributes),
    };
}
