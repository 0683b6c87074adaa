namespace Portcullis.Translation.Tls;

using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;

/// <summary>What validating one tls.crt/tls.key pair found: null Error when usable, and the names it serves.</summary>
/// <param name="DnsNames">The leaf's DNS SANs, or its CN when it has none; empty when the pair is not usable.</param>
internal sealed record CertificateCheck(string? Error, ImmutableArray<string> DnsNames);

/// <summary>What one TLS Secret gives a listener: its check, and when usable the IR certificate ("namespace/name").</summary>
internal sealed record SecretCertificate(CertificateCheck Check, Ir.TlsCertificate? Certificate);

/// <summary>
/// Memoizes <see cref="CertificateValidator.Check"/> by content (SHA-256 of certificate and key), so a
/// translation re-parses only certificates it has not seen before: parsing 10,000 certificates costs
/// seconds, hashing them milliseconds. The result depends on the bytes alone, so the translator stays a
/// function of its input. A <see cref="TranslationCache"/> holds one across translations; without it, each translation
/// has its own. Bounded: past <see cref="Capacity"/> entries the least recently used half goes.
/// Thread-safe; two threads missing on the same pair may both validate it, which is harmless.
/// </summary>
internal sealed class CertificateCheckCache(int capacity = CertificateCheckCache.DefaultCapacity)
{
    /// <summary>Ten times the 10,000-certificate target; an entry is about 200 bytes.</summary>
    public const int DefaultCapacity = 100_000;

    private readonly ConcurrentDictionary<ContentKey, Entry> _entries = new();
    private readonly Lock _evictGate = new();
    private long _clock;
    private long _validations;
    private int _count;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    public int Count => _entries.Count;

    /// <summary>How many pairs were actually parsed (cache misses); for tests and diagnostics.</summary>
    public long Validations => Interlocked.Read(ref _validations);

    public CertificateCheck Check(byte[] certificatePem, byte[] privateKeyPem)
    {
        ArgumentNullException.ThrowIfNull(certificatePem);
        ArgumentNullException.ThrowIfNull(privateKeyPem);
        var key = ContentKey.Of(certificatePem, privateKeyPem);
        var now = Interlocked.Increment(ref _clock);
        if (_entries.TryGetValue(key, out var hit))
        {
            Volatile.Write(ref hit.LastUsed, now);
            return hit.Result;
        }

        Interlocked.Increment(ref _validations);
        var result = CertificateValidator.Check(certificatePem, privateKeyPem);
        // Counted here: ConcurrentDictionary.Count takes every lock, a cost paid 10,000 times when a large config starts.
        if (_entries.TryAdd(key, new Entry(result) { LastUsed = now }) && Interlocked.Increment(ref _count) > Capacity)
        {
            EvictOldestHalf();
        }

        return result;
    }

    private void EvictOldestHalf()
    {
        lock (_evictGate)
        {
            if (Volatile.Read(ref _count) <= Capacity)
            {
                return; // another thread already evicted
            }

            var stamps = _entries.Select(e => (e.Key, Stamp: Volatile.Read(ref e.Value.LastUsed))).ToArray();
            Array.Sort(stamps, (a, b) => a.Stamp.CompareTo(b.Stamp));
            for (var i = 0; i < stamps.Length / 2; i++)
            {
                if (_entries.TryRemove(stamps[i].Key, out _))
                {
                    Interlocked.Decrement(ref _count);
                }
            }
        }
    }

    private sealed class Entry(CertificateCheck result)
    {
        public long LastUsed;

        public CertificateCheck Result { get; } = result;
    }

    /// <summary>SHA-256 over the certificate's length, the certificate and the key: moving bytes between the two changes it.</summary>
    private readonly record struct ContentKey(UInt128 First, UInt128 Second)
    {
        public static ContentKey Of(byte[] certificatePem, byte[] privateKeyPem)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> length = stackalloc byte[4];
            BitConverter.TryWriteBytes(length, certificatePem.Length);
            hash.AppendData(length);
            hash.AppendData(certificatePem);
            hash.AppendData(privateKeyPem);
            Span<byte> digest = stackalloc byte[32];
            hash.GetHashAndReset(digest);
            return new ContentKey(BitConverter.ToUInt128(digest[..16]), BitConverter.ToUInt128(digest[16..]));
        }
    }
}
