using Keylime.Shared.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keylime.Registrar.Storage;

/// <summary>The registrar's context on SQLite; carries the SQLite migrations (Storage/Migrations/Sqlite).</summary>
public sealed class SqliteRegistrarDbContext(DbContextOptions<SqliteRegistrarDbContext> options) : RegistrarDbContext(options);

/// <summary>The registrar's context on PostgreSQL; carries the PostgreSQL migrations (Storage/Migrations/Postgres).</summary>
public sealed class PostgresRegistrarDbContext(DbContextOptions<PostgresRegistrarDbContext> options) : RegistrarDbContext(options);

/// <summary>For <c>dotnet ef migrations add X --context SqliteRegistrarDbContext</c>.</summary>
public sealed class SqliteRegistrarDesignTimeFactory : SqliteDesignTimeFactory<SqliteRegistrarDbContext>;

/// <summary>For <c>dotnet ef migrations add X --context PostgresRegistrarDbContext</c>.</summary>
public sealed class PostgresRegistrarDesignTimeFactory : PostgresDesignTimeFactory<PostgresRegistrarDbContext>;
