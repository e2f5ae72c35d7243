using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Keylime.Verifier.Data;

// Used only by `dotnet ef migrations add` to build each provider's model; never at run time.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteVerifierDbContext>
{
    public SqliteVerifierDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteVerifierDbContext>().UseSqlite("Data Source=design-time.sqlite").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresVerifierDbContext>
{
    public PostgresVerifierDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresVerifierDbContext>().UseNpgsql("Host=design-time").Options);
}
