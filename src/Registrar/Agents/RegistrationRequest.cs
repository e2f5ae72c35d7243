using System.Text.Json;
using Keylime.Registrar.Api;

namespace Keylime.Registrar.Agents;

/// <summary>
/// The fields of a registration (spec/registrar.md §5.1), decoded but not yet checked against each
/// other or the stored record. Unknown fields are ignored.
/// </summary>
public sealed record RegistrationRequest
{
    public Field<byte[]> AikTpm { get; init; }

    public Field<byte[]> EkTpm { get; init; }

    public Field<byte[]> EkCert { get; init; }

    public Field<string> MtlsCert { get; init; }

    public Field<string> Ip { get; init; }

    public Field<int?> Port { get; init; }

    public Field<byte[]> IakTpm { get; init; }

    public Field<byte[]> IdevidTpm { get; init; }

    public Field<byte[]> IakCert { get; init; }

    public Field<byte[]> IdevidCert { get; init; }

    public Field<byte[]> IakAttest { get; init; }

    public Field<byte[]> IakSign { get; init; }

    /// <summary>Decoding errors, in field order; any of them makes the registration a 400 (after the identity check).</summary>
    public IReadOnlyList<string> Errors =>
        new[]
        {
            AikTpm.Error, EkTpm.Error, EkCert.Error, MtlsCert.Error, Ip.Error, Port.Error,
            IakTpm.Error, IdevidTpm.Error, IakCert.Error, IdevidCert.Error, IakAttest.Error, IakSign.Error,
        }.OfType<string>().ToList();

    public static RegistrationRequest From(JsonBody body) => new()
    {
        AikTpm = Read(body, "aik_tpm", FieldDecoding.Binary),
        EkTpm = Read(body, "ek_tpm", FieldDecoding.Binary),
        EkCert = Read(body, "ekcert", FieldDecoding.Certificate),
        MtlsCert = body.TryGet("mtls_cert", out var mtls) ? FieldDecoding.MtlsCertificate(mtls) : default,
        Ip = Read(body, "ip", (v, n) => FieldDecoding.Text(v, n)),
        Port = body.TryGet("port", out var port) ? FieldDecoding.Port(port) : default,
        IakTpm = Read(body, "iak_tpm", FieldDecoding.Binary),
        IdevidTpm = Read(body, "idevid_tpm", FieldDecoding.Binary),
        IakCert = Read(body, "iak_cert", FieldDecoding.Certificate),
        IdevidCert = Read(body, "idevid_cert", FieldDecoding.Certificate),
        IakAttest = Read(body, "iak_attest", FieldDecoding.Binary),
        IakSign = Read(body, "iak_sign", FieldDecoding.Binary),
    };

    private static Field<T> Read<T>(JsonBody body, string name, Func<JsonElement, string, Field<T>> decode) =>
        body.TryGet(name, out var value) ? decode(value, name) : default;
}
