using Keylime.Hosting;
using Keylime.Registrar;
using Keylime.Registrar.Agents;
using Keylime.Registrar.Api;
using Keylime.Registrar.Storage;
using Keylime.Registrar.Versions;
using Keylime.Shared.Configuration;

// Content root = the install directory (appsettings.json), not the working directory ("/" under systemd).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Host.UseSystemd();
builder.Logging.AddBufferedConsole();
var options = RegistrarOptions.Load();
builder.AddRegistrar(options);
builder.ListenAsConfigured(options);

var app = builder.Build();
app.UseKeylimeProtocol();
app.UseMiddleware<DatabaseUnavailable>();
app.UseOpenApiDocuments();
app.MapVersions();
app.MapAgents();
await app.MigrateRegistrarDatabaseAsync();
await app.RunAsync();

/// <summary>Entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
