using System.Text;
using Keylime.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Keylime.Hosting.Tests;

/// <summary>
/// The batched console logger: the framework's formatters and options, every line written whole and in
/// order, on its own shortly after it was logged, and everything buffered written on shutdown.
/// </summary>
public sealed class BufferedConsoleLoggerTests
{
    private sealed class Output : Stream
    {
        private readonly MemoryStream _bytes = new();

        public string Text
        {
            get
            {
                lock (_bytes)
                {
                    return Encoding.UTF8.GetString(_bytes.ToArray());
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (_bytes)
            {
                _bytes.Write(buffer, offset, count);
            }
        }

        public override void Flush()
        {
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private static (ILoggerFactory Factory, BufferedConsoleLoggerProvider Provider, Output Stdout, Output Stderr) Start(
        Action<ConsoleLoggerOptions>? console = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddBufferedConsole());
        services.Configure<ConsoleLoggerOptions>(o =>
        {
            o.FormatterName = ConsoleFormatterNames.Simple;
            console?.Invoke(o);
        });
        services.Configure<SimpleConsoleFormatterOptions>(o => (o.SingleLine, o.ColorBehavior) = (true, LoggerColorBehavior.Disabled));
        var container = services.BuildServiceProvider();
        var (stdout, stderr) = (new Output(), new Output());
        var provider = new BufferedConsoleLoggerProvider(container.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(),
            container.GetServices<ConsoleFormatter>(), stdout, stderr);
        var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Information));
        return (factory, provider, stdout, stderr);
    }

    [Fact]
    public void The_framework_console_logger_is_replaced_and_its_formatters_kept()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConsole().AddBufferedConsole());
        using var container = services.BuildServiceProvider();

        var providers = container.GetServices<ILoggerProvider>().ToList();
        Assert.Contains(providers, p => p is BufferedConsoleLoggerProvider);
        Assert.DoesNotContain(providers, p => p is ConsoleLoggerProvider);
        Assert.Equal(["json", "simple", "systemd"], container.GetServices<ConsoleFormatter>().Select(f => f.Name).Order().ToArray());
    }

    [Fact]
    public void Every_line_from_concurrent_threads_is_written_whole_and_in_each_threads_order()
    {
        var (factory, provider, stdout, _) = Start();
        var logger = factory.CreateLogger("Keylime.Test");
        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < 500; i++)
            {
                logger.LogInformation("thread {Thread} message {Index} of agent {Agent}", thread, i, "d432fbb3-d2f1-4a97-9ef7-75bd81c00000");
            }
        });
        factory.Dispose();
        provider.Dispose();

        var lines = stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2000, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^info: Keylime\.Test\[0\] thread \d message \d+ of agent d432fbb3-d2f1-4a97-9ef7-75bd81c00000$", l));
        for (var thread = 0; thread < 4; thread++)
        {
            var indexes = lines.Where(l => l.Contains($"thread {thread} ", StringComparison.Ordinal))
                .Select(l => int.Parse(l.Split(' ')[5], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(Enumerable.Range(0, 500), indexes);
        }
    }

    [Fact]
    public async Task A_line_is_written_on_its_own_shortly_after_it_is_logged()
    {
        var (factory, provider, stdout, _) = Start();
        factory.CreateLogger("Keylime.Test").LogInformation("evidence received");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!stdout.Text.Contains("evidence received", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal("info: Keylime.Test[0] evidence received\n", stdout.Text);
        provider.Dispose();
    }

    [Fact]
    public void Shutdown_writes_what_is_still_buffered()
    {
        var (factory, provider, stdout, _) = Start();
        factory.CreateLogger("Keylime.Test").LogWarning("agent {Agent} timed out", "a1");
        provider.Dispose(); // well within FlushDelay of the line

        Assert.Equal("warn: Keylime.Test[0] agent a1 timed out\n", stdout.Text);
    }

    [Fact]
    public void The_formatter_named_in_the_options_is_used()
    {
        var (factory, provider, stdout, _) = Start(o => o.FormatterName = ConsoleFormatterNames.Systemd);
        factory.CreateLogger("Keylime.Test").LogInformation("verification complete");
        provider.Dispose();

        Assert.Equal("<6>Keylime.Test[0] verification complete\n", stdout.Text);
    }

    [Fact]
    public void Messages_at_the_standard_error_threshold_go_to_standard_error()
    {
        var (factory, provider, stdout, stderr) = Start(o => o.LogToStandardErrorThreshold = LogLevel.Error);
        var logger = factory.CreateLogger("Keylime.Test");
        logger.LogInformation("fine");
        logger.LogError("broken");
        provider.Dispose();

        Assert.Equal("info: Keylime.Test[0] fine\n", stdout.Text);
        Assert.Equal("fail: Keylime.Test[0] broken\n", stderr.Text);
    }

    [Fact]
    public void With_wait_a_full_queue_holds_the_caller_until_the_writer_catches_up_and_loses_nothing()
    {
        var (factory, provider, stdout, stderr) = Start(o => (o.MaxQueueLength, o.QueueFullMode) = (5, ConsoleLoggerQueueFullMode.Wait));
        var logger = factory.CreateLogger("Keylime.Test");
        for (var i = 0; i < 20; i++)
        {
            logger.LogInformation("line {Index}", i);
        }

        provider.Dispose();

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"info: Keylime.Test[0] line {i}"),
            stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", stderr.Text);
    }

    [Fact]
    public void With_drop_write_a_full_queue_drops_lines_and_says_how_many()
    {
        var (factory, provider, stdout, stderr) = Start(o => (o.MaxQueueLength, o.QueueFullMode) = (10, ConsoleLoggerQueueFullMode.DropWrite));
        var logger = factory.CreateLogger("Keylime.Test");
        for (var i = 0; i < 25; i++)
        {
            logger.LogInformation("line {Index}", i);
        }

        provider.Dispose();

        var written = stdout.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var dropped = System.Text.RegularExpressions.Regex.Matches(stderr.Text, @"(\d+) messages dropped")
            .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(dropped > 0, stderr.Text); // 25 lines within one flush delay overflow a queue of 10
        Assert.Equal(25, written + dropped); // every line is either written or counted
    }
}
