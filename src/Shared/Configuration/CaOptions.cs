namespace Keylime.Shared.Configuration;

/// <summary>
/// <c>ca.conf</c> <c>[ca]</c>: subject fields, lifetimes and key size Keylime uses for the CA and
/// certificates it generates (tls_dir = generate).
/// </summary>
public sealed record CaOptions
{
    public string Password { get; init; } = "default";
    public string CertCountry { get; init; } = "US";
    public string CertCaName { get; init; } = "Keylime Certificate Authority";
    public string CertState { get; init; } = "MA";
    public string CertLocality { get; init; } = "Lexington";
    public string CertOrganization { get; init; } = "Keylime";
    public string CertOrgUnit { get; init; } = "53";
    public int CertCaLifetimeDays { get; init; } = 3650;
    public int CertLifetimeDays { get; init; } = 365;
    public int CertBits { get; init; } = 2048;
    public string CertCrlDist { get; init; } = "http://localhost:38080/crl";

    /// <summary>Loads ca.conf with Keylime's precedence and binds it.</summary>
    public static CaOptions Load(KeylimeConfigLocations? locations = null) => From(KeylimeConfig.Load("ca", locations));

    /// <summary>Binds a loaded configuration.</summary>
    public static CaOptions From(KeylimeConfig config)
    {
        var s = config.Section("ca");
        var d = new CaOptions();
        return new CaOptions
        {
            Password = s.String("password", d.Password),
            CertCountry = s.String("cert_country", d.CertCountry),
            CertCaName = s.String("cert_ca_name", d.CertCaName),
            CertState = s.String("cert_state", d.CertState),
            CertLocality = s.String("cert_locality", d.CertLocality),
            CertOrganization = s.String("cert_organization", d.CertOrganization),
            CertOrgUnit = s.String("cert_org_unit", d.CertOrgUnit),
            CertCaLifetimeDays = s.Int("cert_ca_lifetime", d.CertCaLifetimeDays, 1),
            CertLifetimeDays = s.Int("cert_lifetime", d.CertLifetimeDays, 1),
            CertBits = s.Int("cert_bits", d.CertBits, 1024, 16384),
            CertCrlDist = s.String("cert_crl_dist", d.CertCrlDist),
        };
    }
}
