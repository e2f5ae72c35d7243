using System.Buffers;

namespace Keylime.Shared.MeasuredBoot;

/// <summary>
/// The example policy's fixed name patterns (spec §3.5), as string tests instead of regexes: the
/// regexes (<c>.*/grub.*</c> and friends, backtracking over every PCR 8/9 event) were the largest
/// part of the policy's cost. Each method accepts exactly what the full-match regex in its summary
/// accepts (<c>^(?:…)\z</c>; <c>.</c> does not match <c>\n</c> unless noted).
/// </summary>
internal static class ExamplePatterns
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary><c>BootOrder|Boot[0-9a-fA-F]+</c></summary>
    public static bool IsBootVariable(string name) =>
        name == "BootOrder"
        || (name.Length > 4 && name.StartsWith("Boot", StringComparison.Ordinal) && !name.AsSpan(4).ContainsAnyExcept(HexDigits));

    /// <summary><c>.*/loader/entries.*</c></summary>
    public static bool IsLoaderEntry(string text) => IsOneLineContaining(text, "/loader/entries");

    /// <summary><c>.*/grub.*</c></summary>
    public static bool IsGrubFile(string text) => IsOneLineContaining(text, "/grub");

    /// <summary><c>.*/vmlinuz.*</c></summary>
    public static bool IsVmlinuz(string text) => IsOneLineContaining(text, "/vmlinuz");

    /// <summary><c>.*/initrd.*|.*/initramfs.*</c></summary>
    public static bool IsInitrd(string text) => IsOneLineContaining(text, "/initrd") || IsOneLineContaining(text, "/initramfs");

    /// <summary><c>grub_cmd: .*</c> with <c>.</c> matching anything (DOTALL).</summary>
    public static bool IsGrubCommand(string text) => text.StartsWith("grub_cmd: ", StringComparison.Ordinal);

    /// <summary><c>kernel_cmdline: .*</c></summary>
    public static bool IsKernelCommandLine(string text) =>
        text.StartsWith("kernel_cmdline: ", StringComparison.Ordinal) && !text.Contains('\n', StringComparison.Ordinal);

    /// <summary><c>.*part.*</c>: <paramref name="part"/> (which has no newline) somewhere in a text without newlines.</summary>
    private static bool IsOneLineContaining(string text, string part) =>
        !text.Contains('\n', StringComparison.Ordinal) && text.Contains(part, StringComparison.Ordinal);
}
