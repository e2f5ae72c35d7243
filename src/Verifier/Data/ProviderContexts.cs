using Microsoft.EntityFrameworkCore;

namespace Keylime.Verifier.Data;

/// <summary>
/// The verifier's context on SQLite. Each provider has its own context type only so that each
/// carries its own migrations (Data/Migrations/Sqlite, Data/Migrations/Postgres); code uses
/// <see cref="VerifierDbContext"/>.
/// </summary>
public sealed class SqliteVerifierDbContext(DbContextOptions<SqliteVerifierDbContext> options) : VerifierDbContext(options);

/// <summary>The verifier's context on PostgreSQL (see <see cref="SqliteVerifierDbContext"/>).</summary>
public sealed class PostgresVerifierDbContext(DbContextOptions<PostgresVerifierDbContext> options) : VerifierDbContext(options);
