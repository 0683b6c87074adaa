namespace Portcullis.Model.Manifests;

using System.Collections.Concurrent;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;
using YamlDotNet.Core;

/// <summary>
/// The documents last read from one file, keyed by their exact text, so that an edit to a large file re-reads
/// only the documents it touched. Unchanged documents come back as the very same objects, which later stages
/// recognise by reference. Holds only the documents of the latest read.
/// </summary>
public sealed class DocumentCache
{
    internal ConcurrentDictionary<string, CachedDocument> Entries { get; private set; } = new(StringComparer.Ordinal);

    internal void Replace(ConcurrentDictionary<string, CachedDocument> entries) => Entries = entries;
}

/// <summary>What one document's text read to; indexes are local to the document's text (a List holds several).</summary>
internal sealed record CachedDocument(int Count, KubernetesObject[] Objects, int[] LocalIndexes, ManifestDiagnostic[] Diagnostics);

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
            cache.Replace(new(StringComparer.Ordinal));
            return Read(source, text);
        }

        var previous = cache.Entries;
        var slices = new string[starts.Count];
        for (var i = 0; i < starts.Count; i++)
        {
            slices[i] = text[starts[i]..(i + 1 < starts.Count ? starts[i + 1] : text.Length)];
        }

        var read = new CachedDocument[slices.Length];
        try
        {
            Parallel.For(0, slices.Length, i =>
                read[i] = previous.TryGetValue(slices[i], out var hit) ? hit : ReadSlice(source, slices[i]));
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is YamlException))
        {
            cache.Replace(new(StringComparer.Ordinal));
            return Read(source, text);
        }

        var next = new ConcurrentDictionary<string, CachedDocument>(StringComparer.Ordinal);
        var objects = new List<KubernetesObject>();
        var indexes = new List<int>();
        var diagnostics = new List<ManifestDiagnostic>();
        var first = 0;
        for (var i = 0; i < slices.Length; i++)
        {
            var doc = read[i];
            next.TryAdd(slices[i], doc);
            objects.AddRange(doc.Objects);
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

    private static CachedDocument ReadSlice(string source, string slice)
    {
        var nodes = ExpandLists(Yaml.ParseDocuments(slice));
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

        return new CachedDocument(nodes.Count, [.. objects], [.. locals], [.. diagnostics]);
    }
}
