using Keylime.Shared.Tpm;

namespace Keylime.Registrar.Agents;

/// <summary>The configuration the registration rules depend on, resolved once at start.</summary>
public sealed record RegistrationPolicy
{
    /// <summary><c>tpm_identity</c>: default / ek_cert_or_iak_idevid / ek_cert / iak_idevid (spec §5.3 step 6).</summary>
    public string TpmIdentity { get; init; } = "default";

    /// <summary>
    /// EK certificates must chain to this store when it is set. Keylime's registrar only checks that
    /// the EK certificate carries <c>ek_tpm</c> and leaves trust to the tenant; we also refuse EK
    /// certificates from unknown vendors when the operator provides a <c>tpm_cert_store</c> with
    /// certificates in it (deliberate hardening, issue 4).
    /// </summary>
    public TpmCertStore? EkTrustStore { get; init; }

    /// <summary><c>max_upload_size</c>: bodies above it get 413.</summary>
    public long MaxUploadSize { get; init; } = 104857600;
}
