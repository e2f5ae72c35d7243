using System.Text.Json;
using System.Text.Json.Serialization;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The agent's persisted TPM state, <c>agent_data.json</c> under keylime_dir (rust-keylime keeps
/// the same facts there): the AK's algorithms, its TPM2B_PUBLIC and TPM2B_PRIVATE in base64, and
/// the Name of the EK it was created under, so an AK is only reused under the same EK.
/// The software TPM stores its keys as PKCS#8 in the private fields instead.
/// </summary>
public sealed record AgentData
{
    [JsonPropertyName("ak_hash_alg")]
    public required string AkHashAlg { get; init; }

    [JsonPropertyName("ak_sign_alg")]
    public required string AkSignAlg { get; init; }

    [JsonPropertyName("ak_key_alg")]
    public required string AkKeyAlg { get; init; }

    [JsonPropertyName("ak_public")]
    public required string AkPublic { get; init; }

    [JsonPropertyName("ak_private")]
    public required string AkPrivate { get; init; }

    /// <summary>Lower-case hex of the EK's Name.</summary>
    [JsonPropertyName("ek_name")]
    public required string EkName { get; init; }

    /// <summary>Only for the software TPM: PKCS#8 (base64) of its EK, so registrations survive restarts.</summary>
    [JsonPropertyName("software_ek_private")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SoftwareEkPrivate { get; init; }

    public bool Matches(TpmAlg hash, TpmAlg scheme, byte[] ekName) =>
        AkHashAlg == TpmAlgorithms.Name(hash)
        && AkSignAlg == TpmAlgorithms.Name(scheme)
        && AkKeyAlg == TpmAlgorithms.Name(TpmAlgorithms.KeyTypeOf(scheme))
        && string.Equals(EkName, Convert.ToHexStringLower(ekName), StringComparison.Ordinal);
}

[JsonSerializable(typeof(AgentData))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class AgentDataJsonContext : JsonSerializerContext;

/// <summary>Reads and writes <see cref="AgentData"/>; a missing or unreadable file is "no stored AK".</summary>
public static class AgentDataStore
{
    public const string FileName = "agent_data.json";

    public static string DefaultPath(string keylimeDir) => Path.Combine(keylimeDir, FileName);

    public static AgentData? TryLoad(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), AgentDataJsonContext.Default.AgentData);
        }
        catch (JsonException)
        {
            return null; // a corrupt file only costs a new AK and a new registration
        }
    }

    /// <summary>Writes atomically (temp file + rename), readable by the owner only: it holds key material.</summary>
    public static void Save(string path, AgentData data)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{FileName}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(data, AgentDataJsonContext.Default.AgentData));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
