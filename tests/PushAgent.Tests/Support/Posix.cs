using System.Globalization;
using Keylime.TestSupport;

namespace Keylime.PushAgent.Tests.Support;

/// <summary>SIGTERM to one process we started, by PID (what systemd sends on stop).</summary>
public static class Posix
{
    public static void Terminate(int pid) =>
        Prerequisites.Run(Prerequisites.Program("kill", "procps"), "-TERM " + pid.ToString(CultureInfo.InvariantCulture));
}
