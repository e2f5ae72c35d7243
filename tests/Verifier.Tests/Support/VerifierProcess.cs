using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Keylime.Verifier.Tests.Support;

/// <summary>
/// The verifier as a real process (<c>dotnet Keylime.Verifier.dll</c>, as deployed), configured
/// only through the environment. Stopped by PID.
/// </summary>
public sealed class VerifierProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private VerifierProcess(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static VerifierProcess Start(IDictionary<string, string> environment)
    {
        var dll = typeof(VerifierApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = psi };
        DataReceivedEventHandler append = (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new VerifierProcess(process, output);
    }

    /// <summary>Waits until the port accepts connections; fails with the process output if it exits first.</summary>
    public async Task WaitListeningAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the verifier exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException($"the verifier did not listen on {port} within {timeout}:\n{Output}");
    }

    /// <summary>Waits for the process to end by itself (start-up failures) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
