using System.Diagnostics;
using System.Net.Sockets;

namespace Keylime.TestSupport;

/// <summary>
/// A real swtpm (TPM 2.0 software TPM) on a free 127.0.0.1 port pair, in its own temp dir,
/// optionally manufactured with swtpm_setup (RSA-2048 EK at 0x81010001 with its certificate in NV
/// 0x01c00002, P-384 EK at 0x81010016, a private local CA). Stopped by PID on dispose.
/// Facts: spec/tpm.md §9.2–9.3.
/// </summary>
public sealed class Swtpm : IDisposable
{
    private readonly Process _process;

    private Swtpm(string directory, int port, Process process)
    {
        Directory = directory;
        Port = port;
        _process = process;
    }

    /// <summary>The temp dir holding state, the local CA (<c>ca/</c>) and the EK certificates (<c>ekcerts/</c>).</summary>
    public string Directory { get; }

    /// <summary>The data port; the control port is <c>Port + 1</c>.</summary>
    public int Port { get; }

    /// <summary>The TCTI string for tpm2-tools (<c>TPM2TOOLS_TCTI</c>) and the Rust agent (<c>TCTI</c>).</summary>
    public string Tcti => $"swtpm:host=127.0.0.1,port={Port}";

    /// <summary>Root of the private local CA that signed the EK certificates (after manufacture).</summary>
    public string LocalCaRootCertificate => Path.Combine(Directory, "ca", "swtpm-localca-rootca-cert.pem");

    /// <summary>Intermediate CA of the EK certificates (after manufacture).</summary>
    public string LocalCaIssuerCertificate => Path.Combine(Directory, "ca", "issuercert.pem");

    /// <summary>Starts swtpm; with <paramref name="manufacture"/> it first runs swtpm_setup (EKs + certificates).</summary>
    public static Swtpm Start(bool manufacture = true)
    {
        var swtpm = Prerequisites.Program("swtpm", "swtpm");
        var dir = System.IO.Directory.CreateTempSubdirectory("keylime-swtpm.").FullName;
        var state = System.IO.Directory.CreateDirectory(Path.Combine(dir, "state")).FullName;
        if (manufacture)
        {
            Manufacture(dir, state);
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePortPair();
            var psi = new ProcessStartInfo(swtpm)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[]
                     {
                         "socket", "--tpm2", "--tpmstate", $"dir={state}",
                         "--server", $"type=tcp,port={port},bindaddr=127.0.0.1",
                         "--ctrl", $"type=tcp,port={port + 1},bindaddr=127.0.0.1",
                         "--flags", "not-need-init,startup-clear",
                         "--log", $"file={Path.Combine(dir, "swtpm.log")},level=1",
                     })
            {
                psi.ArgumentList.Add(arg);
            }

            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start swtpm");
            if (WaitForPort(port, process))
            {
                return new Swtpm(dir, port, process);
            }

            if (!process.HasExited)
            {
                process.Kill();
            }

            process.Dispose();
        }

        throw new InvalidOperationException($"swtpm did not start; see {dir}/swtpm.log");
    }

    /// <summary>Runs a tpm2-tools command against this TPM and returns its standard output.</summary>
    public string Tools(string tool, string arguments, TimeSpan? timeout = null)
    {
        var program = Prerequisites.Program(tool, "tpm2-tools");
        return Prerequisites.Run(program, arguments, new Dictionary<string, string> { ["TPM2TOOLS_TCTI"] = Tcti }, timeout);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(); // SIGKILL of our own PID; state lives in the temp dir we delete
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Manufacture(string dir, string state)
    {
        var setup = Prerequisites.Program("swtpm_setup", "swtpm-tools");
        var localca = Prerequisites.Program("swtpm_localca", "swtpm-tools");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "ca"));
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "ekcerts"));
        File.WriteAllText(Path.Combine(dir, "swtpm-localca.conf"),
            $"statedir = {dir}/ca\nsigningkey = {dir}/ca/signkey.pem\nissuercert = {dir}/ca/issuercert.pem\ncertserial = {dir}/ca/certserial\n");
        File.WriteAllText(Path.Combine(dir, "swtpm-localca.options"),
            "--platform-manufacturer KeylimeCsharpTests\n--platform-version 2.1\n--platform-model swtpm\n");
        File.WriteAllText(Path.Combine(dir, "swtpm_setup.conf"),
            $"create_certs_tool = {localca}\ncreate_certs_tool_config = {dir}/swtpm-localca.conf\n" +
            $"create_certs_tool_options = {dir}/swtpm-localca.options\nactive_pcr_banks = sha1,sha256\n");
        Prerequisites.Run(setup,
            $"--tpm2 --tpmstate {state} --config {dir}/swtpm_setup.conf --createek --decryption --create-ek-cert " +
            $"--create-platform-cert --pcr-banks sha1,sha256 --write-ek-cert-files {dir}/ekcerts --logfile {dir}/swtpm_setup.log",
            timeout: TimeSpan.FromSeconds(120));
    }

    private static int FreePortPair()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = FreePort.Next();
            if (port < 65535 && IsFree(port + 1))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no free port pair on 127.0.0.1");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool WaitForPort(int port, Process process)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(System.Net.IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        return false;
    }
}
