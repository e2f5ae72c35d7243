using Microsoft.EntityFrameworkCore;

namespace Keylime.Registrar.Storage;

/// <summary>The registrar's database: one table, Keylime's <c>registrarmain</c>, with Keylime's column names.</summary>
public abstract class RegistrarDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<RegisteredAgent> Agents => Set<RegisteredAgent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var agent = modelBuilder.Entity<RegisteredAgent>();
        agent.ToTable("registrarmain");
        agent.HasKey(a => a.AgentId);
        agent.Property(a => a.AgentId).HasColumnName("agent_id");
        agent.Property(a => a.Key).HasColumnName("key");
        agent.Property(a => a.AikTpm).HasColumnName("aik_tpm");
        agent.Property(a => a.EkTpm).HasColumnName("ek_tpm");
        agent.Property(a => a.EkCert).HasColumnName("ekcert");
        agent.Property(a => a.IakTpm).HasColumnName("iak_tpm");
        agent.Property(a => a.IdevidTpm).HasColumnName("idevid_tpm");
        agent.Property(a => a.IakCert).HasColumnName("iak_cert");
        agent.Property(a => a.IdevidCert).HasColumnName("idevid_cert");
        agent.Property(a => a.MtlsCert).HasColumnName("mtls_cert");
        agent.Property(a => a.Ip).HasColumnName("ip");
        agent.Property(a => a.Port).HasColumnName("port");
        agent.Property(a => a.Active).HasColumnName("active");
        agent.Property(a => a.Virtual).HasColumnName("virtual");
        agent.Property(a => a.ProviderKeys).HasColumnName("provider_keys");
        agent.Property(a => a.Regcount).HasColumnName("regcount");
    }
}
