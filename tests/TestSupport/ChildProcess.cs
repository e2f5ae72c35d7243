using System.Diagnostics;
using System.Net.Sockets;

namespace Keylime.TestSupport;

/// <summary>
/// A program of this repository run as a real process (<c>dotnet &lt;dll&gt; args</c>, or a native
/// executable) with its own environment; output goes to a log file (a pipe nobody reads would block
/// it). Stopped by PID:
/// <see cref="Stop"/> sends SIGTERM (a clean stop), <see cref="Kill"/> SIGKILL (a crash).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                _log.Flush();
            }

            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd();
        }
    }

    /// <summary>Starts <c>dotnet <paramref name="dll"/></c>; the log is <paramref name="logDirectory"/>/<paramref name="name"/>.log (appended).</summary>
    public static ChildProcess Start(string name, string dll, IEnumerable<string> arguments, IDictionary<string, string> environment, string logDirectory) =>
        StartProgram(name, "dotnet", [dll, .. arguments], environment, logDirectory);

    /// <summary>Starts a native executable (e.g. a Native AOT publish) directly, otherwise as <see cref="Start"/>.</summary>
    public static ChildProcess StartExecutable(string name, string executable, IEnumerable<string> arguments, IDictionary<string, string> environment, string logDirectory) =>
        StartProgram(name, executable, arguments, environment, logDirectory);

    private static ChildProcess StartProgram(string name, string program, IEnumerable<string> arguments, IDictionary<string, string> environment, string logDirectory)
    {
        var psi = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = logDirectory,
        };
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        var logPath = Path.Combine(logDirectory, name + ".log");
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite));
        var process = new Process { StartInfo = psi };
        DataReceivedEventHandler write = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    try
                    {
                        log.WriteLine(e.Data);
                    }
                    catch (ObjectDisposedException)
                    {
                        // output after Dispose: nobody reads it any more
                    }
                }
            }
        };
        process.OutputDataReceived += write;
        process.ErrorDataReceived += write;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, log, logPath);
    }

    /// <summary>Waits until 127.0.0.1:<paramref name="port"/> accepts connections; fails with the log if the process exits first.</summary>
    public void WaitForPort(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        throw new TimeoutException($"{Name} did not listen on 127.0.0.1:{port} within {timeout}:\n{Log}");
    }

    /// <summary>Waits for the process to end by itself (e.g. a refused start-up) and returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"{Name} was still running after {timeout}:\n{Log}");
        }

        _process.WaitForExit(); // lets the output readers finish, so Log is complete
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies without any clean-up, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10000);
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not stopped within <paramref name="grace"/>.</summary>
    public void Stop(TimeSpan? grace = null)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            term.WaitForExit(5000);
        }

        if (!_process.WaitForExit(grace ?? TimeSpan.FromSeconds(10)))
        {
            Kill();
        }
    }

    public void Dispose()
    {
        try
        {
            Stop(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
        }

        _process.WaitForExit(5000);
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
