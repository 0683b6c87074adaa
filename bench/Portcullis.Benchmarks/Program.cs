using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "translate-changes")
{
    Portcullis.Benchmarks.TranslationChangeHarness.Run(args[1..]);
    return;
}

// Every benchmark class carries its own job and diagnosers, so `--filter '*'` is all a run needs.
BenchmarkSwitcher.FromAssembly(typeof(Portcullis.Benchmarks.CertificateSelectorBenchmarks).Assembly).Run(args);
