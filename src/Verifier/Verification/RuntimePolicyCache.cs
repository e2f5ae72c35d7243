using System.Collections.Concurrent;
using Keylime.Shared.Ima;

namespace Keylime.Verifier.Verification;

/// <summary>
/// Compiled runtime policies by row id: compiling a large policy costs far more than a verification,
/// so it is done once per distinct policy text (an update replaces the text and recompiles).
/// </summary>
public sealed class RuntimePolicyCache
{
    private readonly ConcurrentDictionary<int, (string Text, RuntimePolicyLoadResult Result)> _compiled = new();

    public RuntimePolicyLoadResult Get(Data.RuntimePolicy stored)
    {
        var text = stored.ImaPolicy ?? "";
        if (_compiled.TryGetValue(stored.Id, out var entry) && string.Equals(entry.Text, text, StringComparison.Ordinal))
        {
            return entry.Result;
        }

        var result = RuntimePolicy.Load(text);
        _compiled[stored.Id] = (text, result);
        return result;
    }
}
