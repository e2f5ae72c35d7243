using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Keylime.Verifier.Tests.Support;

/// <summary>Collects formatted log lines of a verifier (what an operator would grep in the journal).</summary>
public sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>The Error and Critical lines, each prefixed with its category.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = formatter(state, exception);
            owner.Lines.Enqueue(line);
            if (logLevel >= LogLevel.Error)
            {
                owner.Errors.Enqueue($"{category}: {line}");
            }
        }
    }
}
