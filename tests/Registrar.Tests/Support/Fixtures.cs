using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Keylime.Registrar.Tests.Support;

/// <summary>One registrar process per test class and database; a small max_upload_size so 413 is cheap to provoke.</summary>
public abstract class RegistrarFixture(DatabaseKind database) : IDisposable
{
    public const int MaxUploadSize = 65536;

    private readonly Lazy<RegistrarProcess> _registrar = new(() => RegistrarProcess.Start(database, new Dictionary<string, string>
    {
        ["KEYLIME_REGISTRAR_MAX_UPLOAD_SIZE"] = MaxUploadSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }));

    public RegistrarProcess Registrar => _registrar.Value;

    public void Dispose()
    {
        if (_registrar.IsValueCreated)
        {
            _registrar.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteRegistrarFixture() : RegistrarFixture(DatabaseKind.Sqlite);

public sealed class PostgresRegistrarFixture() : RegistrarFixture(DatabaseKind.Postgres);

/// <summary>Keys reused across tests: RSA key generation is the slow part of making a software agent.</summary>
public static class SharedKeys
{
    private static readonly Lazy<RSA> AkKey = new(() => RSA.Create(2048));
    private static readonly Lazy<RSA> OtherAkKey = new(() => RSA.Create(2048));
    private static readonly Lazy<X509Certificate2> Vendor = new(MakeVendor);

    public static RSA Ak => AkKey.Value;

    public static RSA OtherAk => OtherAkKey.Value;

    /// <summary>A self-signed stand-in for a TPM manufacturer CA.</summary>
    public static X509Certificate2 VendorCa => Vendor.Value;

    public static SoftwareAgent NewAgent() => new(akKey: Ak);

    private static X509Certificate2 MakeVendor()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Software TPM Vendor CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-2), now.AddYears(2));
    }
}

/// <summary>The agent side of the protocol over HTTP, as the Rust agent does it (v2 forms) unless told otherwise.</summary>
public static class AgentFlow
{
    public static Dictionary<string, object?> Body(SoftwareAgent agent, byte[]? ekCert = null) => new()
    {
        ["aik_tpm"] = agent.AikTpmBase64,
        ["ek_tpm"] = agent.EkTpmBase64,
        ["ekcert"] = ekCert is null ? null : Convert.ToBase64String(ekCert),
        ["ip"] = "127.0.0.1",
        ["port"] = 9002,
    };

    public static async Task<string> RegisterAsync(HttpClient http, SoftwareAgent agent, string agentId, byte[]? ekCert = null)
    {
        var response = await http.Post($"/v2.6/agents/{agentId}", Body(agent, ekCert));
        Assert.True(response.Code == 200, $"registration failed: {response.Code} {response.Body}");
        return response.Results.GetProperty("blob").GetString()!;
    }

    public static async Task RegisterAndActivateAsync(HttpClient http, SoftwareAgent agent, string agentId, byte[]? ekCert = null)
    {
        var blob = await RegisterAsync(http, agent, agentId, ekCert);
        var response = await http.Put($"/v2.6/agents/{agentId}", new { auth_tag = agent.AuthTag(blob, agentId) });
        Assert.True(response.Code == 200, $"activation failed: {response.Code} {response.Body}");
    }

    public static string NewId() => Guid.NewGuid().ToString();
}
