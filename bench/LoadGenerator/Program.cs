using Keylime.LoadGenerator;

// Load generator of simulated push agents against a running verifier (bench/README.md).
// Exit status: 0 when at least one cycle was verified and none failed, 1 otherwise, 2 on bad arguments.
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"keylime-loadgen: {e.Message}");
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var report = await new LoadRun(options, Console.Out).RunAsync(cancel.Token);
report.Print(Console.Out);
return report.Passed > 0 && report.Stats.Failed == 0 ? 0 : 1;
