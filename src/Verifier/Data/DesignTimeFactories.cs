using Keylime.Shared.Storage;

namespace Keylime.Verifier.Data;

// Used only by `dotnet ef migrations add` (src/Shared/Storage/README.md); never at run time.
internal sealed class SqliteVerifierDesignTimeFactory : SqliteDesignTimeFactory<SqliteVerifierDbContext>;

internal sealed class PostgresVerifierDesignTimeFactory : PostgresDesignTimeFactory<PostgresVerifierDbContext>;
