using Keylime.TestSupport;

namespace Keylime.Shared.Tests.MeasuredBoot;

internal static class MbTestData
{
    public static byte[] Log(string name) => name == "mb_log.b64"
        ? Convert.FromBase64String(File.ReadAllText(SharedData.Path("data", "measured-boot", name)).Replace("\n", "", StringComparison.Ordinal))
        : File.ReadAllBytes(SharedData.Path("data", "measured-boot", name));

    public static string ExampleRefstate() => File.ReadAllText(SharedData.Path("data", "measured-boot", "example_reference_state.json"));
}
