using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Keylime.Verifier.Data;

/// <summary>
/// The verifier's database (spec/verifier.md §12): agents, runtime and measured-boot policies,
/// attestations with their evidence, and PoP sessions. Tables and columns are snake_case; all
/// timestamps are UTC <see cref="DateTime"/> (comparable in SQL on SQLite and PostgreSQL alike).
/// </summary>
public abstract class VerifierDbContext(DbContextOptions options) : DbContext(options), ISqlTarget
{
    public DbSet<Agent> Agents => Set<Agent>();

    public DbSet<RuntimePolicy> RuntimePolicies => Set<RuntimePolicy>();

    public DbSet<MeasuredBootPolicy> MeasuredBootPolicies => Set<MeasuredBootPolicy>();

    public DbSet<Attestation> Attestations => Set<Attestation>();

    public DbSet<AuthSession> Sessions => Set<AuthSession>();

    /// <summary>
    /// The application's <see cref="SqlPipeline"/> when it runs (PostgreSQL) and this context came from the
    /// application's services; null otherwise (SQLite, contexts made by hand in tools and tests).
    /// Resolved once per (pooled) instance.
    /// </summary>
    SqlPipeline? ISqlTarget.Pipeline => Pipeline;

    VerifierDbContext ISqlTarget.Context => this;

    internal SqlPipeline? Pipeline
    {
        get
        {
            if (!_pipelineResolved)
            {
                var options = this.GetService<IDbContextOptions>();
                var services = options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider;
                _pipeline = (services?.GetService(typeof(SqlPipeline)) as SqlPipeline)?.For;
                _pipelineResolved = true;
            }

            return _pipeline;
        }
    }

    private SqlPipeline? _pipeline;
    private bool _pipelineResolved;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Agent>(agent =>
        {
            agent.ToTable("agents");
            agent.HasKey(a => a.AgentId);
            agent.Property(a => a.AgentId).HasMaxLength(Agent.IdMaxLength);
            agent.Property(a => a.VerifierId).HasMaxLength(Agent.IdMaxLength);
            agent.Property(a => a.AcceptAttestations).HasDefaultValue(true);
            agent.HasIndex(a => a.VerifierId);
            agent.HasOne(a => a.RuntimePolicy).WithMany().HasForeignKey(a => a.RuntimePolicyId).OnDelete(DeleteBehavior.Restrict);
            agent.HasOne(a => a.MbPolicy).WithMany().HasForeignKey(a => a.MbPolicyId).OnDelete(DeleteBehavior.Restrict);
            agent.HasMany(a => a.Attestations).WithOne().HasForeignKey(a => a.AgentId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<RuntimePolicy>(policy =>
        {
            policy.ToTable("runtime_policies");
            policy.Property(p => p.Name).HasMaxLength(RuntimePolicy.NameMaxLength);
            policy.HasIndex(p => p.Name).IsUnique();
            policy.Property(p => p.Checksum).HasMaxLength(128);
        });

        modelBuilder.Entity<MeasuredBootPolicy>(policy =>
        {
            policy.ToTable("mb_policies");
            policy.Property(p => p.Name).HasMaxLength(RuntimePolicy.NameMaxLength);
            policy.HasIndex(p => p.Name).IsUnique();
        });

        modelBuilder.Entity<Attestation>(attestation =>
        {
            attestation.ToTable("attestations");
            attestation.HasKey(a => new { a.AgentId, a.Index });
            attestation.Property(a => a.Stage).HasMaxLength(25);
            attestation.Property(a => a.Evaluation).HasMaxLength(10);
            attestation.Property(a => a.FailureReason).HasMaxLength(25);
            attestation.Ignore(a => a.EvidenceItems);
            attestation.Property(a => a.EvidenceJson).HasColumnName("evidence").UsePropertyAccessMode(PropertyAccessMode.Property);
        });

        modelBuilder.Entity<AuthSession>(session =>
        {
            session.ToTable("sessions");
            session.HasKey(s => s.SessionId);
            session.Property(s => s.AgentId).HasMaxLength(Agent.IdMaxLength);
            session.Property(s => s.TokenHash).HasMaxLength(128);
            session.Property(s => s.TokenSalt).HasMaxLength(64);
            session.Property(s => s.HashAlgorithm).HasMaxLength(15);
            session.Property(s => s.SigningScheme).HasMaxLength(15);
            session.HasIndex(s => s.AgentId);
        });

        ApplySnakeCaseNames(modelBuilder);
    }

    private static void ApplySnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties().Where(p => p.FindAnnotation(RelationalAnnotationNames.ColumnName) is null))
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (i > 0 && (previousIsLower || (nextIsLower && char.IsUpper(name[i - 1]))))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Stores UTC and reads back UTC: SQLite loses the kind, PostgreSQL's timestamptz demands it.</summary>
    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
