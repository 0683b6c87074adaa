namespace Portcullis.Benchmarks;

using System.Globalization;
using BenchmarkDotNet.Attributes;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>
/// SNI certificate selection on one listener holding 100,000 names: 50,000 certificates, each for
/// "www.dN.bench" and "*.dN.bench". The selector only reads names, so the PEM is a placeholder that
/// is never parsed (a certificate's chain is built by the first handshake that selects it).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CertificateSelectorBenchmarks
{
    private const int Certificates = 50_000;

    private CertificateSelector _selector = null!;

    [GlobalSetup]
    public void Setup()
    {
        var placeholder = new PrivateBytes("-----BEGIN CERTIFICATE-----"u8);
        var certificates = new List<ServerCertificate>(Certificates);
        for (var i = 0; i < Certificates; i++)
        {
            var domain = string.Create(CultureInfo.InvariantCulture, $"d{i}.bench");
            string[] names = ["www." + domain, "*." + domain];
            var ir = new TlsCertificate($"bench/{domain}", placeholder, placeholder, new EquatableArray<string>(names));
            certificates.Add(new ServerCertificate(ir, names));
        }

        _selector = new CertificateSelector(certificates);
    }

    [Benchmark(Baseline = true)]
    public object ExactHit() => _selector.Select("www.d31337.bench");

    [Benchmark]
    public object ExactHit_OtherCase() => _selector.Select("WWW.D31337.Bench");

    [Benchmark]
    public object WildcardHit() => _selector.Select("api.d31337.bench");

    [Benchmark]
    public object Miss_FallsBackToFirst() => _selector.Select("www.unknown.example");
}
