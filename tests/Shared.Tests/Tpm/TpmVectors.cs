using System.Text.Json;
using Keylime.TestSupport;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>Access to the real swtpm vectors in tpm-vectors/ and their manifest.</summary>
internal static class TpmVectors
{
    private static readonly Lazy<JsonDocument> ManifestDocument =
        new(() => JsonDocument.Parse(File.ReadAllBytes(Path("manifest.json"))));

    public static JsonElement Manifest => ManifestDocument.Value.RootElement;

    public static string Path(string relative) => SharedData.Path("tpm-vectors", relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path(relative));

    public static string Text(string relative) => File.ReadAllText(Path(relative));

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    public static JsonElement Key(string id) => Manifest.GetProperty("keys").GetProperty(id);

    public static IEnumerable<JsonElement> Vectors(string kind) =>
        Manifest.GetProperty("vectors").EnumerateArray().Where(v => v.GetProperty("kind").GetString() == kind);

    public static JsonElement Vector(string id) =>
        Manifest.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("id").GetString() == id);

    public static TheoryData<string> VectorIds(string kind, string outcome)
    {
        var data = new TheoryData<string>();
        foreach (var v in Vectors(kind).Where(v => v.GetProperty("expectedOutcome").GetString() == outcome))
        {
            data.Add(v.GetProperty("id").GetString()!);
        }

        return data;
    }

    public static TheoryData<string> KeyIds()
    {
        var data = new TheoryData<string>();
        foreach (var key in Manifest.GetProperty("keys").EnumerateObject())
        {
            data.Add(key.Name);
        }

        return data;
    }

    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;
}
