using Keylime.RegistrarLoad;

// Linux only: CPU figures come from /proc, the RSA simulated TPM from the system's OpenSSL.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

RegistrarLoadOptions options;
try
{
    options = RegistrarLoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(RegistrarLoadOptions.Usage);
    return 2;
}

Console.Error.WriteLine($"making {options.Identities} software TPM identities (EK {options.Ek}, AK {options.Ak})");
var identities = Enumerable.Range(0, options.Identities).AsParallel().Select(_ => new SoftwareIdentity(options.Ek, options.Ak)).ToList();
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, UseProxy = false })
{
    BaseAddress = options.Registrar,
    Timeout = TimeSpan.FromSeconds(60),
};

var report = await new RegistrarLoadRun(options, identities, http).RunAsync();
report.Print(options, Console.Out);
identities.ForEach(i => i.Dispose());
return report.Operations > 0 && report.Failures.Count == 0 ? 0 : 1;
