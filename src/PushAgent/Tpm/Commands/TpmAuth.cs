using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// One entry of a command's authorization area (spec/tpm.md §6.3): the password pseudo-session
/// <c>TPM_RS_PW</c> with a password, or a policy session whose policy was already satisfied.
/// Attributes 0 close a policy session after use, which is why each EK use starts a fresh one.
/// </summary>
public readonly record struct TpmAuth(uint SessionHandle, byte Attributes, byte[] Hmac)
{
    /// <summary>The empty password, as TPM_RS_PW: <c>40000009 0000 00 0000</c>.</summary>
    public static TpmAuth EmptyPassword { get; } = new(Tpm2Handle.PasswordSession, 0, []);

    public static TpmAuth Password(ReadOnlySpan<byte> password) => new(Tpm2Handle.PasswordSession, 0, password.ToArray());

    public static TpmAuth Policy(uint sessionHandle) => new(sessionHandle, 0, []);
}

/// <summary>The handles a command returned and its parameter area (without the response auth area).</summary>
public sealed record TpmResponse(uint[] Handles, byte[] Parameters);
