namespace Portcullis.Benchmarks;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Translation;

/// <summary>
/// Per-change translation cost at 10,000 hosts (<see cref="ScaleSet"/>), measured the way the running gateway pays it:
/// one <see cref="TranslationCache"/> and snapshots that share unchanged objects by reference. For each kind of change
/// the base snapshot and the changed one are translated in turn, so every translation sees one change from the one before
/// it (added, then removed again). Prints process CPU, wall time and bytes allocated per translation: medians and
/// ranges. A stopwatch harness rather than BenchmarkDotNet because CPU time is what compares on a shared machine.
/// Run: <c>dotnet run -c Release --project bench/Portcullis.Benchmarks -- translate-changes [rounds]</c>.
/// </summary>
internal static class TranslationChangeHarness
{
    private const int Hosts = 10_000;
    private const int ListenersPerGateway = 64;

    public static void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var objects = ScaleSet.Objects(Hosts, ListenersPerGateway);
        var baseline = ResourceSnapshot.Create([.. objects, Implicit()]);
        var options = new TranslatorOptions { DefaultBindAddress = IPAddress.Loopback };

        // Each change is one snapshot built from the base objects; Create(objects, previous) keeps them by reference.
        var changes = new (string Name, Func<int, ResourceSnapshot> Changed)[]
        {
            ("route appended", _ => ResourceSnapshot.Create([.. objects, Implicit(), ScaleSet.Route("extra", "gw0", ScaleSet.Host(1))], baseline)),
            ("Secret rotated", n => ResourceSnapshot.Create([.. Replace(objects, ScaleSet.Secret(0, 1_000_000 + n)), Implicit()], baseline)),
            ("Gateway+Secret+route added", _ => ResourceSnapshot.Create(
                [.. objects, Implicit(), ScaleSet.Gateway("gw-new", Hosts, Hosts + 1), ScaleSet.Secret(Hosts, Hosts + 1), ScaleSet.Route("r-new", "gw-new", ScaleSet.Host(Hosts))],
                baseline)),
        };

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Hosts} hosts, {rounds} rounds per change (each round: change, then back)"));
        foreach (var (name, changed) in changes)
        {
            var cache = new TranslationCache();
            Translator.Translate(baseline, options, cache); // the first translation validates every certificate
            for (var i = 0; i < 10; i++)
            {
                // Warm-up: until the JIT has tiered the hot methods up, the first kind of change measured would pay for it.
                Translator.Translate(changed(-1 - i), options, cache);
                Translator.Translate(baseline, options, cache);
            }

            var cpu = new List<double>();
            var wall = new List<double>();
            var alloc = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                foreach (var snapshot in new[] { changed(i), baseline })
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var process = Process.GetCurrentProcess();
                    var cpu0 = process.TotalProcessorTime;
                    var bytes0 = GC.GetTotalAllocatedBytes(precise: true);
                    var started = Stopwatch.GetTimestamp();
                    Translator.Translate(snapshot, options, cache);
                    wall.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    alloc.Add((GC.GetTotalAllocatedBytes(precise: true) - bytes0) / 1e6);
                    process.Refresh();
                    cpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
                }
            }

            var reuse = ReuseCounts(cache);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-28} CPU {Summary(cpu)} ms   wall {Summary(wall)} ms   alloc {Summary(alloc)} MB{reuse}"));
        }
    }

    /// <summary>What the last translation reused, as far as this build's cache tells (the counters grew over time).</summary>
    private static string ReuseCounts(TranslationCache cache) =>
        string.Join("", typeof(TranslationCache).GetProperties()
            .Where(p => p.Name.StartsWith("Reused", StringComparison.Ordinal))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"   {p.Name} {p.GetValue(cache)}")));

    /// <summary>The Namespace the file provider adds for the objects' namespace: a new object on every read.</summary>
    private static Namespace Implicit() => new() { ApiVersion = "v1", Kind = "Namespace", Metadata = new ObjectMeta { Name = "default" } };

    private static List<KubernetesObject> Replace(List<KubernetesObject> objects, KubernetesObject replacement)
    {
        var copy = new List<KubernetesObject>(objects);
        var i = copy.FindIndex(o => o.Ref == replacement.Ref);
        copy[i] = replacement;
        return copy;
    }

    private static string Summary(List<double> values)
    {
        values.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"{values[values.Count / 2],7:F1} [{values[0]:F1}-{values[^1]:F1}]");
    }
}
