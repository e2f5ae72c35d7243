using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Keylime.RegistrarLoad;

/// <summary>
/// RSA-OAEP decryption with a label by OpenSSL (the library .NET itself uses on Linux), for the
/// simulated TPM's ActivateCredential. .NET's <see cref="RSAEncryptionPadding"/> cannot carry the
/// "IDENTITY\0" label, so the core's portable path does the private-key operation with BigInteger
/// (~7 ms for RSA-2048): that would make the load tool, not the registrar, the bottleneck of an RSA
/// run. A real TPM does this step in its own silicon, at no cost to the host.
/// </summary>
internal static partial class OpenSslOaep
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int RsaPkcs1OaepPadding = 4;

    /// <summary>The OAEP-SHA-256 plaintext under <paramref name="label"/>, or null when it does not decrypt.</summary>
    public static unsafe byte[]? Decrypt(RSAOpenSsl key, ReadOnlySpan<byte> label, ReadOnlySpan<byte> cipher)
    {
        using var handle = key.DuplicateKeyHandle();
        var ctx = EVP_PKEY_CTX_new(handle.DangerousGetHandle(), IntPtr.Zero);
        if (ctx == IntPtr.Zero)
        {
            throw new CryptographicException("EVP_PKEY_CTX_new failed");
        }

        try
        {
            // set0 hands the label buffer to OpenSSL, which frees it with the context.
            var ownedLabel = CRYPTO_malloc((nuint)Math.Max(1, label.Length), null, 0);
            label.CopyTo(new Span<byte>((void*)ownedLabel, label.Length));
            if (EVP_PKEY_decrypt_init(ctx) <= 0
                || EVP_PKEY_CTX_set_rsa_padding(ctx, RsaPkcs1OaepPadding) <= 0
                || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0
                || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0
                || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, ownedLabel, label.Length) <= 0)
            {
                throw new CryptographicException("cannot set up RSA-OAEP decryption");
            }

            var output = new byte[cipher.Length];
            var length = (nuint)output.Length;
            fixed (byte* outPtr = output)
            fixed (byte* inPtr = cipher)
            {
                if (EVP_PKEY_decrypt(ctx, outPtr, ref length, inPtr, (nuint)cipher.Length) <= 0)
                {
                    return null;
                }
            }

            return output[..(int)length];
        }
        finally
        {
            EVP_PKEY_CTX_free(ctx);
        }
    }

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_PKEY_CTX_new(IntPtr pkey, IntPtr engine);

    [LibraryImport(LibCrypto)]
    private static partial void EVP_PKEY_CTX_free(IntPtr ctx);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_decrypt_init(IntPtr ctx);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_CTX_set_rsa_padding(IntPtr ctx, int padding);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_CTX_set_rsa_oaep_md(IntPtr ctx, IntPtr md);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_CTX_set_rsa_mgf1_md(IntPtr ctx, IntPtr md);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_CTX_set0_rsa_oaep_label(IntPtr ctx, IntPtr label, int length);

    [LibraryImport(LibCrypto)]
    private static unsafe partial int EVP_PKEY_decrypt(IntPtr ctx, byte* output, ref nuint outputLength, byte* input, nuint inputLength);

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_sha256();

    [LibraryImport(LibCrypto, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr CRYPTO_malloc(nuint size, string? file, int line);
}
