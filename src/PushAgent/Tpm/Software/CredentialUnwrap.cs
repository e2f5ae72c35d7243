using System.Security.Cryptography;
using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// ActivateCredential of the software TPM: the core's <see cref="CredentialActivation"/>, with its
/// refusals answered as a TPM would answer them.
/// </summary>
internal static class CredentialUnwrap
{
    public static byte[] Activate(RSA ek, TpmPublic ekPublic, ReadOnlySpan<byte> akName, CredentialBlob blob) =>
        CredentialActivation.TryActivate(ek, ekPublic, akName, blob, out var credential) switch
        {
            CredentialActivationFailure.None => credential,
            CredentialActivationFailure.Integrity => throw new TpmCommandException(Tpm2Cc.ActivateCredential, 0x1DF), // TPM_RC_INTEGRITY, parameter 1
            CredentialActivationFailure.Structure => throw new TpmCommandException(Tpm2Cc.ActivateCredential, 0x1D5), // TPM_RC_SIZE, parameter 1
            _ => throw new TpmCommandException(Tpm2Cc.ActivateCredential, 0x2C4), // TPM_RC_VALUE, parameter 2
        };
}
