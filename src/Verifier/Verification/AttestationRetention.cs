using Keylime.Verifier.Data;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Retention of spec/verifier.md §7.7, run in the transaction that records a passing attestation N: N−1
/// is deleted (with its evidence, stored in its row) when it passed too and the
/// authenticated attestation before it has the same boot time — i.e. N−1 is neither the latest, nor
/// the first authenticated one of its boot, nor a failure. "Authenticated" means completed and not a
/// broken evidence chain, with NULL (a pass) counted in: Keylime's <c>failure_reason != 'broken_evidence_chain'</c>
/// drops NULL rows in SQL, so it never finds one and never deletes anything (§13, §14).
/// Attestations that never got evidence are never candidates. One DELETE by primary key (SQL in <see cref="VerdictStatements"/>), in the verdict's batch.
/// </summary>
public static class AttestationRetention
{
    /// <summary>The retention statement for a pass of <paramref name="latest"/>, or null when there is nothing before N−1.</summary>
    public static SqlStatement? Statement(Attestation latest)
    {
        var previous = latest.Index - 1;
        return previous < 1
            ? null // N−1 needs an attestation before it
            : VerdictStatements.DeletePreviousIfRedundant(latest, previous);
    }
}
