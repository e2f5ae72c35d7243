using System.Security.Cryptography;

namespace Keylime.Shared.Ima;

/// <summary>
/// Hashes the small inputs of an IMA replay: template data (~100 bytes) and PCR extends
/// (<c>H(pcr || digest)</c>). One instance per replay; not thread-safe (the managed variant keeps
/// a reusable hash context).
/// </summary>
/// <remarks>
/// Why two implementations: on Linux every .NET hash call goes through OpenSSL 3's EVP layer,
/// whose per-call cost (context reset, provider dispatch, error-queue clearing) is ~3–4× the
/// hashing itself for inputs this small — measured ~335 ns per 100-byte SHA-1 through a reused
/// <see cref="IncrementalHash"/> against ~90 ns through libcrypto's low-level SHA1_Init/Update/Final,
/// which run the same assembly (SHA-NI where the CPU has it). A replay hashes 2–3 times per
/// entry, so this is most of the per-entry budget. <see cref="Create"/> uses libcrypto when
/// <see cref="LibCryptoDigest"/> found it and it passed its self-test, and the managed API otherwise
/// (Windows, macOS, an OpenSSL built without the deprecated low-level functions).
/// </remarks>
internal abstract class ImaDigester : IDisposable
{
    protected ImaDigester(ImaHashAlgorithm algorithm)
    {
        Algorithm = algorithm;
        Size = algorithm.Size();
    }

    public ImaHashAlgorithm Algorithm { get; }

    /// <summary>Digest size in bytes.</summary>
    public int Size { get; }

    /// <summary>The fastest correct digester on this machine.</summary>
    public static ImaDigester Create(ImaHashAlgorithm algorithm) =>
        (ImaDigester?)LibCryptoDigest.TryCreate(algorithm) ?? new ManagedImaDigester(algorithm);

    /// <summary>The .NET API only; also the reference the native path is tested against.</summary>
    public static ImaDigester CreateManaged(ImaHashAlgorithm algorithm) => new ManagedImaDigester(algorithm);

    /// <summary><c>destination := H(data)</c>; <paramref name="destination"/> is exactly <see cref="Size"/> bytes.</summary>
    public abstract void Hash(ReadOnlySpan<byte> data, Span<byte> destination);

    /// <summary>PCR extend in place: <c>pcr := H(pcr || digest)</c>.</summary>
    public abstract void Extend(Span<byte> pcr, ReadOnlySpan<byte> digest);

    /// <summary>Bytes <see cref="HashInPlace"/> may overwrite after the message: the most padding SHA-1/SHA-2 add.</summary>
    public const int PaddingRoom = 144;

    /// <summary>
    /// <c>destination := H(buffer[..length])</c>, where <paramref name="buffer"/> has
    /// <see cref="PaddingRoom"/> bytes after the message that this call may overwrite: the native
    /// digester pads there and hashes without copying the message. <paramref name="destination"/>
    /// may overlap the message (a PCR extend hashes <c>pcr || digest</c> back into <c>pcr</c>).
    /// </summary>
    public virtual void HashInPlace(Span<byte> buffer, int length, Span<byte> destination) => Hash(buffer[..length], destination);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class ManagedImaDigester : ImaDigester
    {
        // Reused: a one-shot HashData call also creates and frees a native context each time.
        private readonly IncrementalHash _hash;

        public ManagedImaDigester(ImaHashAlgorithm algorithm)
            : base(algorithm)
        {
            _hash = IncrementalHash.CreateHash(algorithm.ToHashAlgorithmName());
        }

        public override void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            _hash.AppendData(data);
            _hash.GetHashAndReset(destination);
        }

        public override void Extend(Span<byte> pcr, ReadOnlySpan<byte> digest)
        {
            _hash.AppendData(pcr);
            _hash.AppendData(digest);
            _hash.GetHashAndReset(pcr);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
