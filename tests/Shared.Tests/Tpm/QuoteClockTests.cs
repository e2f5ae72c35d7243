using Keylime.Shared.Tpm;

namespace Keylime.Shared.Tests.Tpm;

/// <summary>spec/verifier.md §8.2 step 6: clock info must be safe and must not go backwards.</summary>
public class QuoteClockTests
{
    private static readonly byte[] Nonce = "0123456789abcdef"u8.ToArray();
    private static readonly TpmClockInfo Before = new(10_000, 5, 2, true);

    public static TheoryData<ulong, uint, uint, TpmCheck?> Transitions => new()
    {
        { 10_001, 5, 2, null },
        { 10_000, 5, 2, TpmCheck.Clock },
        { 9_000, 5, 2, TpmCheck.Clock },
        { 9_000, 6, 2, TpmCheck.Clock },
        { 9_000, 5, 3, TpmCheck.Clock },
        { 9_000, 6, 3, null },
        { 20_000, 4, 2, TpmCheck.ResetCount },
        { 20_000, 5, 1, TpmCheck.RestartCount },
        { 20_000, 6, 0, TpmCheck.RestartCount },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Counters_never_decrease_and_the_clock_advances_unless_both_counters_did(ulong clock, uint reset, uint restart, TpmCheck? expected)
    {
        var ak = SyntheticAk.Shared;
        var verifier = new QuoteVerifier(new AttestationKey(ak.Public));
        var quote = ak.Quote(Nonce, new TpmClockInfo(clock, reset, restart, true));

        var result = verifier.Verify(quote, Nonce, new QuoteExpectations { PreviousClock = Before });

        Assert.Equal(expected, result.FailedCheck);
    }

    [Fact]
    public void A_quote_with_safe_0_is_refused_even_without_a_previous_quote()
    {
        var ak = SyntheticAk.Shared;
        var verifier = new QuoteVerifier(new AttestationKey(ak.Public));
        var result = verifier.Verify(ak.Quote(Nonce, new TpmClockInfo(1, 1, 0, false)), Nonce);
        Assert.Equal(TpmCheck.ClockSafe, result.FailedCheck);
    }

    [Fact]
    public void The_accepted_clock_is_handed_back_for_the_next_quote()
    {
        var ak = SyntheticAk.Shared;
        var verifier = new QuoteVerifier(new AttestationKey(ak.Public));
        var first = verifier.Verify(ak.Quote(Nonce, new TpmClockInfo(500, 1, 0, true)), Nonce);
        Assert.True(first.IsValid, first.Message);
        var replay = verifier.Verify(ak.Quote(Nonce, new TpmClockInfo(500, 1, 0, true)), Nonce,
            new QuoteExpectations { PreviousClock = first.ClockInfo });
        Assert.Equal(TpmCheck.Clock, replay.FailedCheck);
    }

    [Fact]
    public void A_signed_structure_without_the_tpm_magic_is_refused()
    {
        var ak = SyntheticAk.Shared;
        var verifier = new QuoteVerifier(new AttestationKey(ak.Public));
        var result = verifier.Verify(ak.Quote(Nonce, new TpmClockInfo(1, 1, 0, true), magic: 0x12345678), Nonce);
        Assert.Equal(TpmCheck.Magic, result.FailedCheck);
    }

    [Fact]
    public void Keylime_masks_map_to_pcr_selections()
    {
        var selection = PcrSelection.FromKeylimeMask(TpmAlg.Sha256, 0x408000);
        Assert.Equal([15, 22], selection.Banks[0].Pcrs);
        Assert.Equal(TpmVectors.Hex("00000001000b03008040"), selection.ToBytes());
        Assert.Equal(selection, PcrSelection.Parse(selection.ToBytes()));
        Assert.Equal("sha256:15,22", selection.ToString());
    }
}
