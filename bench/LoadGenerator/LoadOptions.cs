using System.Globalization;

namespace Keylime.LoadGenerator;

/// <summary>AK algorithm of the simulated agents: P-256/ECDSA (cheap for the client) or RSA-2048/RSASSA.</summary>
public enum AkKind
{
    Ecc,
    Rsa,
}

/// <summary>What one load run does; parsed from the command line (see bench/README.md).</summary>
public sealed record LoadOptions
{
    public required Uri Verifier { get; init; }

    public int Agents { get; init; } = 100;

    /// <summary>Measured seconds (after the warm-up).</summary>
    public double Duration { get; init; } = 30;

    /// <summary>Unmeasured seconds of cycles before the measurement starts (JIT, connection pools, caches).</summary>
    public double Warmup { get; init; } = 3;

    /// <summary>When set, each agent stops after this many measured cycles instead of after <see cref="Duration"/>.</summary>
    public int? Cycles { get; init; }

    public AkKind Ak { get; init; } = AkKind.Ecc;

    public required string CaCertificate { get; init; }

    public required string ClientCertificate { get; init; }

    public required string ClientKey { get; init; }

    /// <summary>Send an incremental IMA log (new entries every cycle, PCR 10 extended to match) under a runtime policy.</summary>
    public bool Ima { get; init; }

    /// <summary>IMA entries appended per cycle with <see cref="Ima"/>.</summary>
    public int ImaEntriesPerCycle { get; init; } = 2;

    /// <summary>The verifier process whose CPU time (utime + stime from /proc) is charged to the measured cycles.</summary>
    public int? VerifierPid { get; init; }

    /// <summary>A PostgreSQL postmaster whose CPU time, with its backends', is charged to the measured cycles.</summary>
    public int? DatabasePid { get; init; }

    /// <summary>Prefix of the agent ids, so runs against one database do not collide.</summary>
    public string AgentPrefix { get; init; } = "loadgen-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Give up waiting for a verdict after this long (counted as a failure).</summary>
    public TimeSpan VerdictTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public const string Usage = """
        usage: keylime-loadgen --verifier https://HOST:PORT --ca CACERT --client-cert CERT --client-key KEY
                               [--agents N=100] [--duration S=30] [--warmup S=3] [--cycles N]
                               [--ak ecc|rsa] [--ima] [--ima-entries N=2] [--verifier-pid PID] [--database-pid PID] [--prefix ID]
        """;

    /// <summary>Parses <c>--name value</c> pairs; throws <see cref="ArgumentException"/> with the offending option.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{name}'");
            }

            if (name is "--ima")
            {
                flags.Add(name);
            }
            else if (i + 1 < args.Count)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"{name} needs a value");
            }
        }

        string Required(string name) => values.Remove(name, out var v) ? v : throw new ArgumentException($"{name} is required");
        string? Optional(string name) => values.Remove(name, out var v) ? v : null;

        var options = new LoadOptions
        {
            Verifier = new Uri(Required("--verifier").TrimEnd('/') + "/"),
            CaCertificate = Required("--ca"),
            ClientCertificate = Required("--client-cert"),
            ClientKey = Required("--client-key"),
            Agents = Number(Optional("--agents"), 100, "--agents"),
            Duration = Seconds(Optional("--duration"), 30, "--duration"),
            Warmup = Seconds(Optional("--warmup"), 3, "--warmup"),
            Cycles = Optional("--cycles") is { } c ? Number(c, 0, "--cycles") : null,
            Ak = (Optional("--ak") ?? "ecc") switch
            {
                "ecc" => AkKind.Ecc,
                "rsa" => AkKind.Rsa,
                var other => throw new ArgumentException($"--ak must be ecc or rsa, not '{other}'"),
            },
            Ima = flags.Contains("--ima"),
            ImaEntriesPerCycle = Number(Optional("--ima-entries"), 2, "--ima-entries"),
            VerifierPid = Optional("--verifier-pid") is { } p ? Number(p, 0, "--verifier-pid") : null,
            DatabasePid = Optional("--database-pid") is { } d ? Number(d, 0, "--database-pid") : null,
        };
        if (Optional("--prefix") is { } prefix)
        {
            options = options with { AgentPrefix = prefix };
        }

        return values.Count == 0 ? options : throw new ArgumentException($"unknown option {values.Keys.First()}");
    }

    private static int Number(string? text, int fallback, string name) =>
        text is null ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new ArgumentException($"{name} must be a positive integer");

    private static double Seconds(string? text, double fallback, string name) =>
        text is null ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s >= 0 ? s
        : throw new ArgumentException($"{name} must be a number of seconds");
}
