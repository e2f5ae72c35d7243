using BenchmarkDotNet.Running;
using Keylime.Benchmarks;

if (args is ["cpu-time", var filter, ..])
{
    CpuTimeRunner.Run(filter, args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}

// The executing assembly, not typeof(Program): referenced web projects export their own public Program.
BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args);
