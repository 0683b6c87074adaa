using BenchmarkDotNet.Running;

// Every benchmark class carries its own job and diagnosers, so `--filter '*'` is all a run needs.
BenchmarkSwitcher.FromAssembly(typeof(Portcullis.Benchmarks.CertificateSelectorBenchmarks).Assembly).Run(args);
