namespace Keylime.Shared.Tpm;

/// <summary>
/// The one error every TPM structure parser raises for malformed bytes: truncated input, a length
/// field larger than what follows, an unknown algorithm or tag. Callers turn it into a 400 or a
/// <c>broken_evidence_chain</c> verdict; no other exception may escape a parser.
/// </summary>
public sealed class TpmFormatException : Exception
{
    public TpmFormatException(string message) : base(message)
    {
    }

    public TpmFormatException(string message, Exception inner) : base(message, inner)
    {
    }

    public TpmFormatException()
    {
    }
}
