using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Keylime.Hosting;

/// <summary>
/// The console logger with the same formatters, options and configuration section (<c>Logging:Console</c>),
/// writing in batches: a message is formatted on the caller's thread and appended to a buffer, and the
/// writer thread is woken only when the buffer was empty, then writes everything that arrived within
/// <see cref="FlushDelay"/> in one go. Under load the framework's console logger wakes its thread and makes
/// a write call per message (the verifier's two operator lines per push cycle: three thread wake-ups per
/// cycle); here that is at most one wake-up and one write per <see cref="FlushDelay"/>. Lines appear at most
/// that much later; everything buffered is written on shutdown.
/// </summary>
[ProviderAlias("Console")]
public sealed class BufferedConsoleLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    /// <summary>How long the writer collects lines after the first one before it writes them.</summary>
    public static readonly TimeSpan FlushDelay = TimeSpan.FromMilliseconds(50);

    [ThreadStatic]
    private static StringWriter? t_writer;

    private readonly IOptionsMonitor<ConsoleLoggerOptions> _options;
    private readonly Dictionary<string, ConsoleFormatter> _formatters;
    private readonly IDisposable? _optionsReload;
    private readonly Stream _stdout;
    private readonly Stream _stderr;
    private readonly Lock _lock = new();
    private readonly Thread _writerThread;
    private readonly SemaphoreSlim _pending = new(0, 1);
    private StringBuilder _out = new();
    private StringBuilder _err = new();
    private int _queued;
    private long _dropped;
    private bool _stopping;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public BufferedConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
        : this(options, formatters, Console.OpenStandardOutput(), Console.OpenStandardError())
    {
    }

    internal BufferedConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters,
        Stream stdout, Stream stderr)
    {
        _options = options;
        _formatters = formatters.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        _stdout = stdout;
        _stderr = stderr;
        Formatter = Choose(options.CurrentValue);
        _optionsReload = options.OnChange(o => Formatter = Choose(o));
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "Console logger" };
        _writerThread.Start();
    }

    internal ConsoleFormatter Formatter { get; private set; }

    public ILogger CreateLogger(string categoryName) => new BufferedConsoleLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    /// <summary>Writes what is buffered and stops the writer thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        Signal();
        _writerThread.Join(TimeSpan.FromSeconds(2));
        _optionsReload?.Dispose();
    }

    // The formatter named in the options (UseSystemd names "systemd" under systemd), else the simple one.
    private ConsoleFormatter Choose(ConsoleLoggerOptions options) =>
        options.FormatterName is { } name && _formatters.TryGetValue(name, out var named) ? named
        : _formatters.TryGetValue(ConsoleFormatterNames.Simple, out var simple) ? simple
        : _formatters.Values.First();

    private void Append<TState>(in LogEntry<TState> entry)
    {
        var writer = t_writer ??= new StringWriter();
        Formatter.Write(in entry, _scopes, writer);
        var text = writer.GetStringBuilder();
        if (text.Length == 0)
        {
            return;
        }

        var options = _options.CurrentValue;
        bool wake;
        while (true)
        {
            lock (_lock)
            {
                if (_queued < options.MaxQueueLength || _stopping)
                {
                    wake = _out.Length == 0 && _err.Length == 0;
                    (entry.LogLevel >= options.LogToStandardErrorThreshold ? _err : _out).Append(text);
                    _queued++;
                    break;
                }

                if (options.QueueFullMode == ConsoleLoggerQueueFullMode.DropWrite)
                {
                    _dropped++;
                    text.Clear();
                    return;
                }
            }

            Thread.Sleep(1); // the writer is behind (a blocked stdout): wait for it, like the framework's Wait mode
        }

        text.Clear();
        if (wake)
        {
            Signal();
        }
    }

    private void Signal()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // the writer is already due to run
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            _pending.Wait();
            bool stopping;
            lock (_lock)
            {
                stopping = _stopping;
            }

            if (!stopping)
            {
                Thread.Sleep(FlushDelay); // let the lines of the next few milliseconds join this write
            }

            WriteBuffered();
            if (stopping)
            {
                return;
            }
        }
    }

    private void WriteBuffered()
    {
        StringBuilder stdout, stderr;
        long dropped;
        lock (_lock)
        {
            (stdout, _out) = (_out, new StringBuilder(_out.Capacity));
            (stderr, _err) = (_err, new StringBuilder(_err.Capacity));
            (dropped, _dropped, _queued) = (_dropped, 0, 0);
        }

        if (dropped > 0)
        {
            stderr.Append("console logger: ").Append(dropped).AppendLine(" messages dropped (queue full)");
        }

        Write(_stdout, stdout);
        Write(_stderr, stderr);
    }

    private static void Write(Stream stream, StringBuilder text)
    {
        if (text.Length == 0)
        {
            return;
        }

        try
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush();
        }
        catch (IOException)
        {
            // stdout closed (the journal went away): logging must not take the service down
        }
    }

    private sealed class BufferedConsoleLogger(string category, BufferedConsoleLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Append(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter));
            }
        }
    }
}

public static class BufferedConsoleLogging
{
    /// <summary>
    /// Replaces the framework's console logger with <see cref="BufferedConsoleLoggerProvider"/>; formatters,
    /// <c>Logging:Console</c> options and level filters stay as they are.
    /// </summary>
    public static ILoggingBuilder AddBufferedConsole(this ILoggingBuilder logging)
    {
        logging.AddConsole(); // the formatters and options binding (idempotent)
        foreach (var framework in logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList())
        {
            logging.Services.Remove(framework);
        }

        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, BufferedConsoleLoggerProvider>());
        return logging;
    }
}
