namespace Keylime.Verifier.Data;

/// <summary>What <see cref="SqlBatch"/> needs of a database: the pipeline its statements travel through (PostgreSQL), or the context whose connection runs them.</summary>
public interface ISqlTarget
{
    /// <summary>The application's pipeline when statements go through one; null to run them on <see cref="Context"/>.</summary>
    SqlPipeline? Pipeline { get; }

    VerifierDbContext Context { get; }
}

/// <summary>
/// The push cycle's database for one request: on PostgreSQL its statements go through the
/// <see cref="SqlPipeline"/> and no pooled EF context is leased at all (renting and returning one cost
/// every POST, PATCH and verdict GET a few per cent of the verifier's CPU); the context is resolved
/// only when something needs it (SQLite, an EF query).
/// </summary>
public sealed class VerifierSql(IServiceProvider services, SqlPipeline pipeline) : ISqlTarget
{
    private VerifierDbContext? _context;

    public SqlPipeline? Pipeline => pipeline.For;

    public VerifierDbContext Context => _context ??= services.GetRequiredService<VerifierDbContext>();
}
