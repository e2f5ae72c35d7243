using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Keylime.Verifier.Data;

/// <summary>
/// An EF Core compiled query (<c>EF.CompileAsyncQuery</c>) per model: a compiled query refuses to run
/// against another model than the first one, and the verifier has one model per provider (a process
/// uses one, tests use both), so each model gets its own compilation of the same expression.
/// </summary>
public sealed class CompiledPerModel<TQuery>(Func<TQuery> compile) where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = [];

    public TQuery For(DbContext db) => _byModel.GetValue(db.Model, _ => compile());
}
