using BenchmarkDotNet.Running;

// The executing assembly, not typeof(Program): referenced web projects export their own public Program.
BenchmarkSwitcher.FromAssembly(System.Reflection.Assembly.GetExecutingAssembly()).Run(args);
