using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Keylime.Hosting;

/// <summary>
/// Log-level defaults given as the lowest-priority configuration source, so that every other source — an
/// appsettings file, <c>Logging__LogLevel__*</c> environment variables, the command line — overrides them.
/// (A code filter, <c>AddFilter</c>, would be applied after the configuration's rules and win over them.)
/// </summary>
public static class LoggingDefaults
{
    public static IConfigurationBuilder AddLoggingDefaults(this IConfigurationBuilder configuration, IReadOnlyDictionary<string, string> levels)
    {
        var source = new MemoryConfigurationSource
        {
            InitialData = levels.Select(l => KeyValuePair.Create<string, string?>($"Logging:LogLevel:{l.Key}", l.Value)),
        };
        configuration.Sources.Insert(0, source);
        return configuration;
    }
}
