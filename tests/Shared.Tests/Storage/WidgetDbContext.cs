using Keylime.Shared.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Shared.Tests.Storage;

/// <summary>A row type standing in for a service's entities.</summary>
public sealed class Widget
{
    public long Id { get; set; }
    public required string AgentId { get; set; }
    public string? Payload { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>The recipe of src/Shared/Storage/README.md applied to a test context.</summary>
public abstract class WidgetDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Widget> Widgets => Set<Widget>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Widget>(e =>
        {
            e.ToTable("widgets");
            e.Property(w => w.AgentId).HasMaxLength(80);
            e.HasIndex(w => w.AgentId).IsUnique();
        });
    }
}

public sealed class SqliteWidgetDbContext(DbContextOptions<SqliteWidgetDbContext> options) : WidgetDbContext(options);

public sealed class PostgresWidgetDbContext(DbContextOptions<PostgresWidgetDbContext> options) : WidgetDbContext(options);

public sealed class SqliteWidgetDesignTimeFactory : SqliteDesignTimeFactory<SqliteWidgetDbContext>;

public sealed class PostgresWidgetDesignTimeFactory : PostgresDesignTimeFactory<PostgresWidgetDbContext>;
