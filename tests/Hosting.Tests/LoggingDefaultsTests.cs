using Keylime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keylime.Hosting.Tests;

/// <summary>Log-level defaults sit under every configuration source: they apply until an operator sets a level.</summary>
public sealed class LoggingDefaultsTests
{
    private static readonly Dictionary<string, string> Defaults = new()
    {
        ["Microsoft.AspNetCore"] = "Warning",
        ["Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    private static ILoggerFactory Loggers(Dictionary<string, string?> operatorSettings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false });
        builder.Configuration.AddLoggingDefaults(Defaults);
        builder.Configuration.AddInMemoryCollection(operatorSettings); // as the environment or the command line would
        return builder.Build().Services.GetRequiredService<ILoggerFactory>();
    }

    [Fact]
    public void The_defaults_apply_when_the_operator_sets_nothing()
    {
        var loggers = Loggers([]);

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Keylime.Verifier").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void An_operators_level_overrides_the_default_for_its_category()
    {
        var loggers = Loggers(new()
        {
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug",
        });

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Debug));
    }
}
