using System.Collections.Concurrent;
using Keylime.Shared.Ima;
using Keylime.Verifier.Data;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Compiled runtime policies by row id and checksum: compiling a large policy costs far more than a
/// verification, and so does reading its text, so a verification reads only the id and the checksum (the
/// SHA-256 of the text, rewritten by every update) and the text is loaded and compiled once per version.
/// Safe with several verifier instances: an update on another instance changes the checksum.
/// </summary>
public sealed class RuntimePolicyCache
{
    private readonly ConcurrentDictionary<int, (string Checksum, RuntimePolicyLoadResult Result)> _compiled = new();

    /// <summary>True when <see cref="Get"/> needs no text: this version is compiled, or the text is at hand.</summary>
    public bool IsCompiled(Data.RuntimePolicy stored) =>
        stored.ImaPolicy is not null || (_compiled.TryGetValue(stored.Id, out var entry) && entry.Checksum == stored.Checksum);

    /// <summary>Makes sure <see cref="Get"/> will find the policy: loads its text when this version is not compiled yet.</summary>
    public async ValueTask EnsureAsync(VerifierDbContext db, Data.RuntimePolicy stored, CancellationToken cancellationToken)
    {
        if (IsCompiled(stored))
        {
            return;
        }

        var row = await db.RuntimePolicies.AsNoTracking().Where(p => p.Id == stored.Id)
            .Select(p => new { p.ImaPolicy, p.Checksum }).FirstOrDefaultAsync(cancellationToken);
        stored.ImaPolicy = row?.ImaPolicy ?? "";
        stored.Checksum = row?.Checksum ?? "";
    }

    public RuntimePolicyLoadResult Get(Data.RuntimePolicy stored)
    {
        if (_compiled.TryGetValue(stored.Id, out var entry) && string.Equals(entry.Checksum, stored.Checksum, StringComparison.Ordinal))
        {
            return entry.Result;
        }

        var result = Shared.Ima.RuntimePolicy.Load(stored.ImaPolicy ?? "");
        _compiled[stored.Id] = (stored.Checksum, result);
        return result;
    }
}
