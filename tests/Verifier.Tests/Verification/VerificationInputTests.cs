using Keylime.Verifier.Attestations;
using Keylime.Verifier.Data;
using Keylime.Verifier.Verification;

namespace Keylime.Verifier.Tests.Verification;

/// <summary>The evidence a PATCH parsed travels to the worker; an input read back from the database parses its items itself.</summary>
public sealed class VerificationInputTests
{
    private static readonly Agent Agent = new() { AgentId = "a", AkTpm = [1], TpmPolicy = "{}", VerifierId = "v" };

    private static EvidenceItem Quote() => new()
    {
        EvidenceClass = EvidenceKinds.Certification, EvidenceType = EvidenceKinds.TpmQuote,
        ChosenParameters = """{"challenge":"c2"}""", Data = """{"message":"stored"}""",
    };

    [Fact]
    public void The_views_the_PATCH_parsed_are_used_for_their_own_items()
    {
        var quote = Quote();
        var parsed = new ParsedEvidence(new ChosenParameters { Challenge = "c1" }, new EvidenceData { Message = "parsed" });
        var input = new VerificationInput(Agent, new Attestation { AgentId = "a" }, [quote]) { Parsed = [parsed] };

        Assert.Same(parsed.Data, input.DataOf(quote));
        Assert.Same(parsed.Chosen, input.ChosenOf(quote));
        // An equal item that is not the one validated (records compare by value) is parsed from its text.
        Assert.Equal("stored", input.DataOf(quote with { })!.Message);
    }

    [Fact]
    public void An_input_read_back_from_the_database_parses_the_stored_text()
    {
        var quote = Quote();
        var input = new VerificationInput(Agent, new Attestation { AgentId = "a" }, [quote]);

        Assert.Equal("stored", input.DataOf(quote)!.Message);
        Assert.Equal("c2", input.ChosenOf(quote)!.Challenge);
        Assert.Null(input.DataOf(null));
    }
}
