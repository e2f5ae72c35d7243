using Keylime.Hosting;
using Keylime.Shared.Configuration;
using Keylime.Shared.Security;
using Keylime.Verifier.Agents;
using Keylime.Verifier.Attestations;
using Keylime.Verifier.Sessions;
using Keylime.Verifier.Policies;
using Keylime.Verifier.Versions;
using Microsoft.Extensions.Logging.Console;

namespace Keylime.Verifier;

/// <summary>
/// Builds the verifier web application from Keylime options: push mode only, HTTPS only on
/// <c>ip:port</c> with the <c>cv_ca</c> material (generated on first start with <c>tls_dir = generate</c>),
/// then the feature endpoints. Program.cs and the tests both start it through here.
/// </summary>
public static class VerifierApp
{
    /// <summary>
    /// Log levels under every configuration source. Per-request and per-SQL-statement framework lines would
    /// dominate the journal (and the CPU of a verification cycle); the verifier's own operator lines stay at
    /// Information. Hosting's diagnostics category is off: it logs nothing at Warning, but while it is enabled at
    /// all ASP.NET Core starts an <c>Activity</c> and a log scope for every request.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> VerifierLogLevels = new Dictionary<string, string>
    {
        ["Microsoft.AspNetCore"] = "Warning",
        ["Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
        ["Microsoft.EntityFrameworkCore"] = "Warning",
    };

    public static WebApplication Build(VerifierOptions options, string[]? args = null, Action<IServiceCollection>? configureServices = null)
    {
        if (options.Mode != VerifierMode.Push)
        {
            // Pull mode (the verifier polling agents) is a different product; refusing it beats half-working.
            throw new KeylimeConfigException(
                "invalid configuration: [verifier] mode = 'pull' is not supported: this verifier implements Keylime's push model only; set mode = push");
        }

        var tls = TlsMaterial.ForVerifier(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory });
        builder.Host.UseSystemd();
        builder.WebHost.UseKeylimeKestrel(new KeylimeListenOptions
        {
            Ip = options.Ip,
            HttpsPorts = [options.Port],
            MaxRequestBodySize = options.MaxUploadSize,
            Tls = tls,
        });
        builder.Services.AddSingleton(tls);
        builder.Configuration.AddLoggingDefaults(VerifierLogLevels);
        // One line per event (the simple formatter's default is two: the category, then the message), so
        // an operator's grep for an agent id finds the whole event; under systemd the journal format applies.
        // (A formatter must be named for its options to apply; UseSystemd names "systemd" under systemd.)
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        builder.Services.Configure<SimpleConsoleFormatterOptions>(o => o.SingleLine = true);
        builder.Logging.AddBufferedConsole();
        builder.Services.AddVerifier(options);
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(o => o.CustomSchemaIds(t => t.FullName?.Replace('+', '.')));
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.Use(EchoRequestId);
        app.UseMiddleware<Data.DatabaseUnavailable>();
        app.UseOpenApiDocuments();
        app.UseVerifierIdentity();
        app.MapVersions();
        app.MapAgentsV2();
        app.MapPoliciesV2();
        app.MapAgentsV3();
        app.MapPoliciesV3();
        app.MapSessions();
        app.MapAttestations();
        return app;
    }

    // X-Request-ID is echoed with non-word characters removed, at most 36 characters (Keylime).
    private static Task EchoRequestId(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Headers["X-Request-ID"].ToString() is { Length: > 0 } id)
        {
            var clean = new string(id.Where(c => char.IsLetterOrDigit(c) || c == '_').Take(36).ToArray());
            context.Response.OnStarting(() =>
            {
                context.Response.Headers["X-Request-ID"] = clean;
                return Task.CompletedTask;
            });
        }

        return next(context);
    }
}
