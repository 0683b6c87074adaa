namespace Portcullis.Model.Manifests;

using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;
using YamlDotNet.Core;

/// <summary>
/// The documents last read from one file, keyed by a digest of their exact text, so that an edit to a large file
/// re-reads only the documents it touched. Unchanged documents come back as the very same objects, which later
/// stages recognise by reference. Holds only the documents of the latest read, and not their text: at 10,000
/// Secrets the text alone was 30 MB of strings kept for nothing but comparison.
/// </summary>
public sealed class DocumentCache
{
    internal Dictionary<UInt128, CachedDocument> Entries { get; private set; } = [];

    internal void Replace(Dictionary<UInt128, CachedDocument> entries) => Entries = entries;
}

/// <summary>
/// What one document's text read to; indexes are local to the document's text (a List holds several). Nearly every
/// document reads to one object and no diagnostics, so that case holds the object itself and a shared index array:
/// an array of each per document was 40,000 more live objects at 10,000 hosts, each adding to a full collection.
/// </summary>
internal sealed class CachedDocument
{
    private static readonly int[] FirstDocumentOnly = [0];

    private readonly object? _objects; // null, one KubernetesObject, or a KubernetesObject[] of two or more
    private readonly int[] _localIndexes;

    internal CachedDocument(int count, List<KubernetesObject> objects, List<int> localIndexes, List<ManifestDiagnostic> diagnostics)
    {
        Count = count;
        _objects = objects.Count switch
        {
            0 => null,
            1 => objects[0],
            _ => objects.ToArray(),
        };
        _localIndexes = localIndexes is [0] ? FirstDocumentOnly : [.. localIndexes];
        Diagnostics = [.. diagnostics]; // the shared empty array when there are none
    }

    /// <summary>How many documents the text held (after expanding Lists).</summary>
    internal int Count { get; }

    /// <summary>For each object, in order, the local index of the document it came from.</summary>
    internal ReadOnlySpan<int> LocalIndexes => _localIndexes;

    internal ManifestDiagnostic[] Diagnostics { get; }

    internal void AddObjectsTo(List<KubernetesObject> list)
    {
        switch (_objects)
        {
            case KubernetesObject one:
                list.Add(one);
                break;
            case KubernetesObject[] many:
                list.AddRange(many);
                break;
        }
    }
}

public static partial class ManifestReader
{
    /// <summary>Below this size a file is read whole: re-reading it costs less than slicing it.</summary>
    private const int CachedReadMinLength = 64 * 1024;

    /// <summary>
    /// Reads like <see cref="Read(string, string)"/>, with the same result, but takes unchanged documents from
    /// the cache. A file with directives, or one in which any document fails to parse, is read whole (so YAML
    /// errors keep their position in the file).
    /// </summary>
    public static ManifestReadResult Read(string source, string text, DocumentCache cache)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(cache);
        var starts = DocumentStarts(text, CachedReadMinLength);
        if (starts is null)
        {
            cache.Replace([]);
            return Read(source, text);
        }

        starts.Add(text.Length); // slice i is text[starts[i]..starts[i + 1]]
        var slices = starts.Count - 1;
        var previous = cache.Entries;
        var keys = new UInt128[slices];
        var read = new CachedDocument?[slices];
        for (var i = 0; i < slices; i++)
        {
            keys[i] = Digest(text.AsSpan(starts[i], starts[i + 1] - starts[i]));
            read[i] = previous.GetValueOrDefault(keys[i]);
        }

        // Documents not in the cache are parsed in runs, one YAML parser per run rather than per document (a
        // parser costs 5 KB of buffers to set up: 100 MB for 20,000 documents). Long runs are cut so that a
        // first read still uses every core.
        var runs = MissingRuns(read, starts, Math.Max(CachedReadMinLength, text.Length / (Environment.ProcessorCount * 4)));
        try
        {
            if (runs.Count == 1)
            {
                ReadRun(source, text, starts, runs[0], read);
            }
            else if (runs.Count > 1)
            {
                Parallel.For(0, runs.Count, r => ReadRun(source, text, starts, runs[r], read));
            }
        }
        catch (Exception e) when (e is YamlException || (e is AggregateException a && a.InnerExceptions.All(x => x is YamlException)))
        {
            cache.Replace([]);
            return Read(source, text);
        }

        return Assemble(keys, read, cache);
    }

    /// <summary>
    /// Reads UTF-8 bytes (no byte order mark) like <see cref="Read(string, string, DocumentCache)"/> reads their text,
    /// with the same result, but decodes only the documents missing from the cache: a change to one route of a
    /// 3 MB file otherwise decoded all of it into 6 MB of string and hashed that, most of what a change allocated.
    /// Documents are cut at the same lines, and a UTF-8 sequence never spans a line break, so each slice decodes to
    /// the same text as its part of the whole file.
    /// </summary>
    public static ManifestReadResult Read(string source, ReadOnlyMemory<byte> utf8, DocumentCache cache)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(cache);
        var bytes = utf8.Span;
        var starts = DocumentStarts(bytes, CachedReadMinLength);
        if (starts is null)
        {
            return Read(source, Encoding.UTF8.GetString(bytes), cache);
        }

        starts.Add(bytes.Length);
        var slices = starts.Count - 1;
        var previous = cache.Entries;
        var keys = new UInt128[slices];
        var read = new CachedDocument?[slices];
        for (var i = 0; i < slices; i++)
        {
            keys[i] = Digest(bytes[starts[i]..starts[i + 1]]);
            read[i] = previous.GetValueOrDefault(keys[i]);
        }

        var runs = MissingRuns(read, starts, Math.Max(CachedReadMinLength, bytes.Length / (Environment.ProcessorCount * 4)));
        void ReadBytesRun((int From, int To) run)
        {
            // The run's text, and where each of its slices starts in it (in chars).
            var text = Encoding.UTF8.GetString(utf8.Span[starts[run.From]..starts[run.To]]);
            var local = new List<int>(run.To - run.From + 1) { 0 };
            for (var i = run.From; i < run.To; i++)
            {
                local.Add(local[^1] + Encoding.UTF8.GetCharCount(utf8.Span[starts[i]..starts[i + 1]]));
            }

            var localRead = new CachedDocument?[run.To - run.From];
            ReadRun(source, text, local, (0, localRead.Length), localRead);
            localRead.CopyTo(read, run.From);
        }

        try
        {
            if (runs.Count == 1)
            {
                ReadBytesRun(runs[0]);
            }
            else if (runs.Count > 1)
            {
                Parallel.For(0, runs.Count, r => ReadBytesRun(runs[r]));
            }
        }
        catch (Exception e) when (e is YamlException || (e is AggregateException a && a.InnerExceptions.All(x => x is YamlException)))
        {
            cache.Replace([]);
            return Read(source, Encoding.UTF8.GetString(bytes));
        }

        return Assemble(keys, read, cache);
    }

    /// <summary>The documents of every slice in order, and the cache replaced by what this read found.</summary>
    private static ManifestReadResult Assemble(UInt128[] keys, CachedDocument?[] read, DocumentCache cache)
    {
        var slices = keys.Length;
        var next = new Dictionary<UInt128, CachedDocument>(slices);
        var objects = new List<KubernetesObject>();
        var indexes = new List<int>();
        var diagnostics = new List<ManifestDiagnostic>();
        var first = 0;
        for (var i = 0; i < slices; i++)
        {
            var doc = read[i]!;
            next.TryAdd(keys[i], doc);
            doc.AddObjectsTo(objects);
            foreach (var local in doc.LocalIndexes)
            {
                indexes.Add(first + local);
            }

            foreach (var d in doc.Diagnostics)
            {
                diagnostics.Add(d with { DocumentIndex = first + d.DocumentIndex });
            }

            first += doc.Count;
        }

        cache.Replace(next);
        return new(objects, diagnostics) { DocumentIndexes = indexes };
    }

    /// <summary>128 bits of SHA-256 of a document's text: equal digests are taken to mean equal text.</summary>
    private static UInt128 Digest(ReadOnlySpan<char> slice) => Digest(MemoryMarshal.AsBytes(slice));

    /// <summary>
    /// Of UTF-8 bytes, for <see cref="Read(string, ReadOnlyMemory{byte}, DocumentCache)"/>. A text digest and a byte digest
    /// of one document differ, so a cache filled by one overload misses in the other: a re-parse, never a wrong document.
    /// </summary>
    private static UInt128 Digest(ReadOnlySpan<byte> slice)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(slice, hash);
        return MemoryMarshal.Read<UInt128>(hash);
    }

    /// <summary>Ranges [From, To) of consecutive slices missing from the cache, each at most about maxLength chars.</summary>
    private static List<(int From, int To)> MissingRuns(CachedDocument?[] read, List<int> starts, int maxLength)
    {
        var runs = new List<(int, int)>();
        for (var i = 0; i < read.Length;)
        {
            if (read[i] is not null)
            {
                i++;
                continue;
            }

            var from = i;
            while (i < read.Length && read[i] is null && (i == from || starts[i + 1] - starts[from] <= maxLength))
            {
                i++;
            }

            runs.Add((from, i));
        }

        return runs;
    }

    /// <summary>Parses slices [From, To) as one YAML stream and reads each slice's documents into read[slice].</summary>
    private static void ReadRun(string source, string text, List<int> starts, (int From, int To) run, CachedDocument?[] read)
    {
        var offset = starts[run.From];
        var documentStarts = new List<int>();
        var nodes = Yaml.ParseDocuments(text, offset, starts[run.To] - offset, documentStarts);
        var next = 0;
        for (var slice = run.From; slice < run.To; slice++)
        {
            // A document belongs to the slice its start lies in (a slice normally holds one; a comment-only one none).
            var end = starts[slice + 1] - offset;
            var mine = new List<JsonNode?>(1);
            while (next < nodes.Count && (documentStarts[next] < end || slice == run.To - 1))
            {
                mine.Add(nodes[next++]);
            }

            read[slice] = ReadDocuments(source, mine);
        }
    }

    private static CachedDocument ReadDocuments(string source, List<JsonNode?> parsed)
    {
        var nodes = ExpandLists(parsed);
        var objects = new List<KubernetesObject>(1);
        var locals = new List<int>(1);
        var diagnostics = new List<ManifestDiagnostic>();
        for (var j = 0; j < nodes.Count; j++)
        {
            ReadDocument(source, j, nodes[j], objects, diagnostics);
            while (locals.Count < objects.Count)
            {
                locals.Add(j);
            }
        }

        return new CachedDocument(nodes.Count, objects, locals, diagnostics);
    }
}
