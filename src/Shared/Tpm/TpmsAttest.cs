namespace Keylime.Shared.Tpm;

/// <summary>TPMS_CLOCK_INFO: clock (ms), resetCount, restartCount, safe (spec/tpm.md §3.6).</summary>
public readonly record struct TpmClockInfo(ulong Clock, uint ResetCount, uint RestartCount, bool Safe);

/// <summary>TPMS_QUOTE_INFO: the PCRs a quote covers and the digest of their values.</summary>
public sealed record TpmsQuoteInfo(PcrSelection PcrSelect, byte[] PcrDigest);

/// <summary>TPMS_CERTIFY_INFO: Name and qualified name of the certified object.</summary>
public sealed record TpmsCertifyInfo(byte[] Name, byte[] QualifiedName);

/// <summary>
/// TPMS_ATTEST, the message a TPM signs for Quote and Certify (spec/tpm.md §3.6). Parsing checks the
/// structure only; magic and type are left to <see cref="QuoteVerifier"/>/<see cref="CertifyVerifier"/>
/// so their failures are named. The body of an attestation type other than quote/certify is kept raw.
/// </summary>
public sealed class TpmsAttest
{
    /// <summary>TPM_GENERATED_VALUE, "\xffTCG".</summary>
    public const uint GeneratedValue = 0xFF544347;

    public const ushort TagAttestCertify = 0x8017;

    public const ushort TagAttestQuote = 0x8018;

    public required uint Magic { get; init; }

    public required ushort Type { get; init; }

    public required byte[] QualifiedSigner { get; init; }

    /// <summary>The caller's qualifyingData: the nonce or challenge, byte for byte.</summary>
    public required byte[] ExtraData { get; init; }

    public required TpmClockInfo ClockInfo { get; init; }

    public required ulong FirmwareVersion { get; init; }

    public TpmsQuoteInfo? Quote { get; init; }

    public TpmsCertifyInfo? Certify { get; init; }

    /// <summary>The attested union of a type this code does not interpret.</summary>
    public byte[] OtherAttested { get; init; } = [];

    public static TpmsAttest Parse(ReadOnlySpan<byte> data)
    {
        var reader = new TpmReader(data);
        var magic = reader.ReadUInt32();
        var type = reader.ReadUInt16();
        var signer = reader.ReadSized(2 + 64, "qualifiedSigner").ToArray();
        var extra = reader.ReadSized(64, "extraData").ToArray();
        var clock = new TpmClockInfo(reader.ReadUInt64(), reader.ReadUInt32(), reader.ReadUInt32(), ReadYesNo(ref reader));
        var firmware = reader.ReadUInt64();
        TpmsQuoteInfo? quote = null;
        TpmsCertifyInfo? certify = null;
        byte[] other = [];
        switch (type)
        {
            case TagAttestQuote:
                quote = new TpmsQuoteInfo(PcrSelection.Read(ref reader), reader.ReadSized(64, "pcrDigest").ToArray());
                break;
            case TagAttestCertify:
                certify = new TpmsCertifyInfo(reader.ReadSized(2 + 64, "name").ToArray(), reader.ReadSized(2 + 64, "qualifiedName").ToArray());
                break;
            default:
                other = reader.ReadBytes(reader.Remaining, "attested").ToArray();
                break;
        }

        reader.ExpectEnd("TPMS_ATTEST");
        return new TpmsAttest
        {
            Magic = magic, Type = type, QualifiedSigner = signer, ExtraData = extra, ClockInfo = clock,
            FirmwareVersion = firmware, Quote = quote, Certify = certify, OtherAttested = other,
        };
    }

    /// <summary>Marshals the structure (tests and benchmarks build synthetic quotes with it).</summary>
    public byte[] ToBytes()
    {
        var writer = new TpmWriter(256);
        writer.WriteUInt32(Magic).WriteUInt16(Type).WriteSized(QualifiedSigner).WriteSized(ExtraData)
            .WriteUInt64(ClockInfo.Clock).WriteUInt32(ClockInfo.ResetCount).WriteUInt32(ClockInfo.RestartCount)
            .WriteByte(ClockInfo.Safe ? (byte)1 : (byte)0).WriteUInt64(FirmwareVersion);
        if (Quote is not null)
        {
            Quote.PcrSelect.Write(writer);
            writer.WriteSized(Quote.PcrDigest);
        }
        else if (Certify is not null)
        {
            writer.WriteSized(Certify.Name).WriteSized(Certify.QualifiedName);
        }
        else
        {
            writer.WriteBytes(OtherAttested);
        }

        return writer.ToArray();
    }

    private static bool ReadYesNo(ref TpmReader reader) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw new TpmFormatException($"TPMI_YES_NO value {other} is neither 0 nor 1"),
    };
}
