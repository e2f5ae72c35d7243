using Keylime.Shared.Tpm;

namespace Keylime.PushAgent.Tpm;

/// <summary>
/// The few TPMS_ATTEST fields the agent itself looks at (spec/tpm.md §3.6): the quote's pcrDigest,
/// to catch a PCR changing between PCR_Read and Quote. Full parsing is Keylime.Shared's job.
/// </summary>
public static class AttestFields
{
    public static byte[] QuotePcrDigest(ReadOnlySpan<byte> attest)
    {
        var r = new TpmReader(attest);
        if (r.ReadUInt32() != Tpm2Tag.GeneratedValue || r.ReadUInt16() != Tpm2Tag.AttestQuote)
        {
            throw new TpmFormatException("not a TPMS_ATTEST of type QUOTE");
        }

        r.ReadSized("qualifiedSigner");
        r.ReadSized("extraData");
        r.ReadBytes(17 + 8, "clockInfo and firmwareVersion");
        PcrBankSelection.ReadList(ref r);
        return r.ReadSized("pcrDigest").ToArray();
    }
}
