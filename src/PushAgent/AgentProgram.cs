using System.CommandLine;
using Keylime.PushAgent.Configuration;
using Keylime.PushAgent.Evidence;
using Keylime.PushAgent.StateMachine;
using Keylime.PushAgent.Tpm;
using Keylime.Shared.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keylime.PushAgent;

/// <summary>
/// Start-up: command line, configuration, generic host. Configuration problems end the process
/// with one line on stderr and a non-zero exit code, before anything touches the TPM or network.
/// </summary>
public static class AgentProgram
{
    public const int ConfigurationError = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(
        string[] args, KeylimeConfigLocations locations, TextWriter error, Action<IServiceCollection>? configure = null, CancellationToken cancellationToken = default)
    {
        var root = AgentCommandLine.Create();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await error.WriteLineAsync($"keylime_push_model_agent: {parsed.Errors[0].Message} (see --help)");
            return UsageError;
        }

        var exitCode = 0;
        root.SetAction(async (result, ct) =>
        {
            AgentSettings settings;
            try
            {
                settings = AgentSettingsReader.Load(locations, AgentCommandLine.Overrides(result));
            }
            catch (Exception e) when (e is AgentConfigException or KeylimeConfigException)
            {
                await error.WriteLineAsync($"keylime_push_model_agent: error: {e.Message.ReplaceLineEndings(" ")}");
                return ConfigurationError;
            }

            using var host = BuildHost(settings, configure);
            await host.RunAsync(ct);
            exitCode = Environment.ExitCode;
            return exitCode;
        });

        // The host handles SIGTERM/SIGINT itself; System.CommandLine must not race it.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Error = error }, cancellationToken);
    }

    public static IHost BuildHost(AgentSettings settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "keylime_push_model_agent",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSystemd();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            o.UseUtcTimestamp = true;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ITpmProvider, AgentTpmProvider>();
        builder.Services.AddHostedService<AgentWorker>();
        configure?.Invoke(builder.Services);
        return builder.Build();
    }
}
