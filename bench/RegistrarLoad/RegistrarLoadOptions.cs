using System.Globalization;

namespace Keylime.RegistrarLoad;

/// <summary>Key algorithm of the simulated TPM's EK or AK.</summary>
public enum KeyKind
{
    Ecc,
    Rsa,
}

/// <summary>What one registrar load run does; parsed from the command line (see bench/README.md).</summary>
public sealed record RegistrarLoadOptions
{
    public required Uri Registrar { get; init; }

    /// <summary>Register + activate sequences in flight at once (each on its own keep-alive connection).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Distinct simulated TPMs (EK + AK pairs made before the measurement); agents cycle through them with fresh IDs.</summary>
    public int Identities { get; init; } = 64;

    public double Duration { get; init; } = 20;

    public double Warmup { get; init; } = 5;

    public KeyKind Ek { get; init; } = KeyKind.Ecc;

    public KeyKind Ak { get; init; } = KeyKind.Ecc;

    /// <summary>The registrar process whose CPU (utime + stime from /proc) is charged to the measured operations.</summary>
    public int? RegistrarPid { get; init; }

    /// <summary>Prefix of the agent IDs, so runs against one database do not collide.</summary>
    public string AgentPrefix { get; init; } = "regload-" + Guid.NewGuid().ToString("N")[..8];

    public const string Usage = """
        usage: keylime-registrar-load --registrar http://HOST:PORT [--concurrency N=16] [--identities N=64]
                                      [--duration S=20] [--warmup S=5] [--ek ecc|rsa] [--ak ecc|rsa]
                                      [--registrar-pid PID] [--prefix ID]
        """;

    public static RegistrarLoadOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"expected '--name value', got '{args[i]}'");
            }

            values[args[i]] = args[i + 1];
        }

        var known = new[] { "--registrar", "--concurrency", "--identities", "--duration", "--warmup", "--ek", "--ak", "--registrar-pid", "--prefix" };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new ArgumentException($"unknown option {unknown}");
        }

        var defaults = new RegistrarLoadOptions { Registrar = new Uri("http://127.0.0.1:8890") };
        return new RegistrarLoadOptions
        {
            Registrar = values.TryGetValue("--registrar", out var url) ? new Uri(url) : throw new ArgumentException("--registrar is required"),
            Concurrency = Int(values, "--concurrency", defaults.Concurrency),
            Identities = Int(values, "--identities", defaults.Identities),
            Duration = Number(values, "--duration", defaults.Duration),
            Warmup = Number(values, "--warmup", defaults.Warmup),
            Ek = Kind(values, "--ek", defaults.Ek),
            Ak = Kind(values, "--ak", defaults.Ak),
            RegistrarPid = values.TryGetValue("--registrar-pid", out var pid) ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            AgentPrefix = values.GetValueOrDefault("--prefix", defaults.AgentPrefix),
        };
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback) =>
        values.TryGetValue(name, out var text)
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer")
            : fallback;

    private static double Number(Dictionary<string, string> values, string name, double fallback) =>
        values.TryGetValue(name, out var text)
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new ArgumentException($"{name} must be a number ≥ 0")
            : fallback;

    private static KeyKind Kind(Dictionary<string, string> values, string name, KeyKind fallback) =>
        values.TryGetValue(name, out var text)
            ? text switch { "ecc" => KeyKind.Ecc, "rsa" => KeyKind.Rsa, _ => throw new ArgumentException($"{name} must be ecc or rsa") }
            : fallback;
}
