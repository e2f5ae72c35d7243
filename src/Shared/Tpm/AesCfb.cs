using System.Security.Cryptography;

namespace Keylime.Shared.Tpm;

/// <summary>
/// AES-CFB128 with a zero IV and no padding, stream style (the last block may be partial): the mode
/// TPM 2.0 uses for credential protection (Part 1 §24). Built on AES-ECB because .NET's CFB mode
/// requires whole blocks.
/// </summary>
public static class AesCfb
{
    public static byte[] Encrypt(byte[] key, ReadOnlySpan<byte> plain) => Transform(key, plain, encrypt: true);

    public static byte[] Decrypt(byte[] key, ReadOnlySpan<byte> cipher) => Transform(key, cipher, encrypt: false);

    private static byte[] Transform(byte[] key, ReadOnlySpan<byte> input, bool encrypt)
    {
        using var aes = Aes.Create();
        aes.Key = key;
        var output = new byte[input.Length];
        Span<byte> feedback = stackalloc byte[16];
        Span<byte> stream = stackalloc byte[16];
        feedback.Clear();
        for (var offset = 0; offset < input.Length; offset += 16)
        {
            aes.EncryptEcb(feedback, stream, PaddingMode.None);
            var n = Math.Min(16, input.Length - offset);
            for (var i = 0; i < n; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ stream[i]);
            }

            // The feedback is always the ciphertext block.
            (encrypt ? output.AsSpan(offset, n) : input.Slice(offset, n)).CopyTo(feedback);
        }

        return output;
    }
}
