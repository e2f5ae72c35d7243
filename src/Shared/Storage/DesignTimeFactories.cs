using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Keylime.Shared.Storage;

/// <summary>
/// Lets <c>dotnet ef migrations add</c> build a provider-specific context without starting the
/// service. Derive an empty class from it next to the context (see README.md). Adding migrations
/// never connects, so the connection strings are placeholders.
/// </summary>
public abstract class SqliteDesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>().UseSqlite("Data Source=design-time.sqlite").Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options)!;
    }
}

/// <inheritdoc cref="SqliteDesignTimeFactory{TContext}"/>
public abstract class PostgresDesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>().UseNpgsql("Host=localhost;Database=design_time").Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options)!;
    }
}
