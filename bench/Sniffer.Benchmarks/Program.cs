using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Sniffer.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Sniffer.Benchmarks.DecoderBenchmarks).Assembly).Run(args);
