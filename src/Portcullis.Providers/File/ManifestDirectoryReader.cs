namespace Portcullis.Providers.File;

using System.Buffers;
using System.Diagnostics;
using System.Text;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.Manifests;

/// <summary>
/// Loads every manifest under a directory into one snapshot. Keep one instance per directory across reloads:
/// it remembers what standalone mode must keep stable (creation times, generations, resource versions), the
/// last good objects of each file, and parse results of files whose length and modification time did not change.
/// Not thread-safe: call <see cref="Load"/> from one thread at a time.
/// </summary>
public sealed class ManifestDirectoryReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];
    private const int PooledReadMaxLength = 4 * 1024 * 1024;

    private readonly TimeProvider _time;
    private readonly Dictionary<string, CachedFile> _files = new(StringComparer.Ordinal);
    private readonly ObjectIdentity _identity;
    private readonly Dictionary<ObjectRef, string> _winners = [];
    private readonly List<KubernetesObject> _objects = [];
    private ResourceSnapshot _snapshot = ResourceSnapshot.Empty;
    private Dictionary<string, Namespace> _implicitNamespaces = new(StringComparer.Ordinal);

    public ManifestDirectoryReader(string directory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        _time = timeProvider ?? TimeProvider.System;
        _identity = new ObjectIdentity(_time);
    }

    /// <summary>Milliseconds the last <see cref="Load"/> spent reading and parsing files, synthesizing metadata, and building the snapshot.</summary>
    internal (double Files, double Identity, double Snapshot) LastTimings { get; private set; }

    /// <summary>The absolute path of the directory read.</summary>
    public string Directory { get; }

    /// <summary>Reads a directory once, with fresh synthesized metadata.</summary>
    public static ProviderUpdate ReadOnce(string directory) => new ManifestDirectoryReader(directory).Load();

    /// <summary>True for names the reader never loads: hidden files, editor temp and swap files, non-manifest extensions.</summary>
    public static bool IsManifestFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (IsIgnoredName(fileName) || fileName.EndsWith('~') || fileName == "4913"
            || fileName.EndsWith(".swp", StringComparison.Ordinal) || fileName.EndsWith(".swx", StringComparison.Ordinal))
        {
            return false;
        }

        return Extensions.Any(e => fileName.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Forgets cached parse results so the next <see cref="Load"/> reads every file (after missed watch events).</summary>
    public void InvalidateCache()
    {
        foreach (var file in _files.Values)
        {
            file.Length = -1;
        }
    }

    /// <summary>Reads the directory (re-parsing only files that changed) and builds a new snapshot.</summary>
    public ProviderUpdate Load()
    {
        var started = Stopwatch.GetTimestamp();
        var diagnostics = new List<ManifestDiagnostic>();
        var paths = EnumerateFiles(diagnostics);
        var present = new HashSet<string>(paths, StringComparer.Ordinal);
        foreach (var gone in _files.Keys.Where(k => !present.Contains(k)).ToArray())
        {
            _files.Remove(gone);
        }

        // Kept from the last reload, emptied: new ones of 30,000 entries were 1.5 MB on the large object heap per reload.
        var winners = _winners;
        var objects = _objects;
        winners.Clear();
        objects.Clear();
        foreach (var relative in paths)
        {
            var file = Refresh(relative);
            diagnostics.AddRange(file.Diagnostics);
            for (var i = 0; i < file.Objects.Count; i++)
            {
                var obj = file.Objects[i];
                if (winners.TryGetValue(obj.Ref, out var first))
                {
                    var where = first == relative ? "earlier in this file" : $"in {first}";
                    diagnostics.Add(new(DiagnosticSeverity.Error, relative, file.DocumentIndexes[i], obj.Ref.ToString(), null,
                        $"{obj.Ref} is also defined {where}; the definition in {first} is used"));
                    continue;
                }

                winners[obj.Ref] = relative;
                objects.Add(obj);
            }
        }

        AddImplicitNamespaces(objects);
        var read = Stopwatch.GetTimestamp();
        var synthesized = _identity.Apply(objects);
        var identified = Stopwatch.GetTimestamp();
        var changes = _identity.LastChanges;
        var snapshot = _snapshot = (changes.Removed || ReferenceEquals(_snapshot, ResourceSnapshot.Empty) ? null : SnapshotEdit.Apply(_snapshot, changes.Replaced, changes.Added))
            ?? ResourceSnapshot.Create(synthesized, _snapshot);
        objects.Clear(); // holds nothing the next reload does not read again
        LastTimings = (Milliseconds(started, read), Milliseconds(read, identified), Stopwatch.GetElapsedTime(identified).TotalMilliseconds);
        return new ProviderUpdate(snapshot, diagnostics);
    }

    private List<string> EnumerateFiles(List<ManifestDiagnostic> diagnostics)
    {
        var result = new List<string>();
        if (!System.IO.Directory.Exists(Directory))
        {
            diagnostics.Add(new(DiagnosticSeverity.Error, Directory, 0, null, null, "directory does not exist"));
            return result;
        }

        var pending = new Stack<string>();
        pending.Push(Directory);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            try
            {
                foreach (var sub in System.IO.Directory.EnumerateDirectories(dir))
                {
                    if (!IsIgnoredName(Path.GetFileName(sub)))
                    {
                        pending.Push(sub);
                    }
                }

                foreach (var path in System.IO.Directory.EnumerateFiles(dir))
                {
                    if (IsManifestFileName(Path.GetFileName(path)))
                    {
                        result.Add(Path.GetRelativePath(Directory, path).Replace(Path.DirectorySeparatorChar, '/'));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory removed or unreadable mid-scan; the watcher will trigger another scan.
                diagnostics.Add(new(DiagnosticSeverity.Warning, Path.GetRelativePath(Directory, dir), 0, null, null, $"could not list directory: {e.Message}"));
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    private static bool IsIgnoredName(string name) => name.StartsWith('.');

    private CachedFile Refresh(string relative)
    {
        if (!_files.TryGetValue(relative, out var file))
        {
            file = new CachedFile();
            _files[relative] = file;
        }

        var full = Path.Combine(Directory, relative);
        ManifestReadResult read;
        try
        {
            var info = new FileInfo(full);
            if (info.Length == file.Length && info.LastWriteTimeUtc == file.LastWrite)
            {
                return file;
            }

            var again = file.Length >= 0 || file.LastGood is not null;
            (file.Length, file.LastWrite) = (info.Length, info.LastWriteTimeUtc);
            read = ReadManifest(relative, full, file.Documents, pool: again);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Length = -1; // read again next time
            read = new ManifestReadResult([], [new(DiagnosticSeverity.Error, relative, 0, null, null, $"could not read file: {e.Message}")]);
        }

        var failed = read.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        if (!failed)
        {
            file.LastGood = read;
            file.Set(read.Objects, read.DocumentIndexes, read.Diagnostics);
        }
        else if (file.LastGood is { } good)
        {
            // Last good config keeps serving: a file that loaded before keeps all of its previous objects.
            var keeping = new ManifestDiagnostic(DiagnosticSeverity.Error, relative, 0, null, null,
                $"{relative} has errors; keeping the last good version of its {good.Objects.Count} object(s) until it loads cleanly");
            file.Set(good.Objects, good.DocumentIndexes, [.. read.Diagnostics, keeping]);
        }
        else
        {
            file.Set(read.Objects, read.DocumentIndexes, read.Diagnostics);
        }

        return file;
    }

    /// <summary>
    /// Reads the file from one read of its bytes (File.ReadAllText grows a StringBuilder chunk by chunk: for 16 MB of
    /// manifests three times the file's size). UTF-8, the usual case, is handed over as bytes, so that only the
    /// documents that changed are decoded; UTF-16 and UTF-32 (with a byte order mark) are decoded as ReadAllText would.
    /// A file read again (it changed) is read into a pooled buffer: a file of 10,000 routes is 3 MB, which on each
    /// change was a new array on the large object heap (the reader keeps only objects and strings made from the bytes,
    /// never the bytes). A first read is not pooled, so the pool keeps no buffer for files that never change.
    /// </summary>
    private static ManifestReadResult ReadManifest(string relative, string path, DocumentCache documents, bool pool)
    {
        var (buffer, length) = ReadWhole(path, pool);
        try
        {
            ReadOnlySpan<byte> utf8 = buffer.AsSpan(0, length);
            if (utf8.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || utf8.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
            {
                // UTF-16 or UTF-32 with a byte order mark: let the reader detect which.
                using var reader = new StreamReader(new MemoryStream(buffer, 0, length), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
                return ManifestReader.Read(relative, reader.ReadToEnd(), documents);
            }

            var bom = utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            return ManifestReader.Read(relative, buffer.AsMemory(bom, length - bom), documents);
        }
        finally
        {
            Return(buffer, pool);
        }
    }

    /// <summary>The whole file in a buffer (rented from the shared pool when <paramref name="pool"/>, to be returned), and how many bytes it holds.</summary>
    private static (byte[] Buffer, int Length) ReadWhole(string path, bool pool)
    {
        using var handle = System.IO.File.OpenHandle(path);
        var expected = RandomAccess.GetLength(handle);
        if (expected > Array.MaxLength - 1)
        {
            throw new IOException($"{path} is too large to read ({expected} bytes)");
        }

        // One byte more than the length, so a file that grew since is noticed without another read into a full buffer.
        var buffer = Rent((int)expected + 1, pool);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = Rent(buffer.Length * 2, pool);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    Return(buffer, pool);
                    buffer = larger;
                }

                var read = RandomAccess.Read(handle, buffer.AsSpan(length), length);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            Return(buffer, pool);
            throw;
        }
    }

    /// <summary>
    /// From the shared pool up to 4 MB (a file edited often, such as one of 10,000 routes); a larger file (10,000
    /// Secrets, 11 MB, read at start and seldom after) gets an array of its own, so the pool does not keep it.
    /// </summary>
    private static byte[] Rent(int length, bool pool) =>
        pool && length <= PooledReadMaxLength ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);

    /// <summary>Gives a pooled buffer back, cleared: manifests hold Secrets, and the pool hands it to any code of the process next.</summary>
    private static void Return(byte[] buffer, bool pool)
    {
        if (pool && buffer.Length <= PooledReadMaxLength)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    private void AddImplicitNamespaces(List<KubernetesObject> objects)
    {
        var declared = objects.OfType<Namespace>().Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        var used = objects.Select(o => o.Metadata.Namespace).OfType<string>().Where(ns => !declared.Contains(ns))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var next = new Dictionary<string, Namespace>(used.Length, StringComparer.Ordinal);
        foreach (var ns in used)
        {
            // The instance of the last reload while the namespace stays implicit: later stages then see it unchanged
            // by reference, as they see the objects of unchanged files (a new one was digested and compared per change).
            var implicitNamespace = _implicitNamespaces.GetValueOrDefault(ns)
                ?? new Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new ObjectMeta { Name = ns } };
            next[ns] = implicitNamespace;
            objects.Add(implicitNamespace);
        }

        _implicitNamespaces = next;
    }

    private sealed class CachedFile
    {
        public long Length { get; set; } = -1;

        public DateTime LastWrite { get; set; }

        public ManifestReadResult? LastGood { get; set; }

        /// <summary>This file's documents as last read, so an edit re-reads only what changed.</summary>
        public DocumentCache Documents { get; } = new();

        public IReadOnlyList<KubernetesObject> Objects { get; private set; } = [];

        public IReadOnlyList<int> DocumentIndexes { get; private set; } = [];

        public IReadOnlyList<ManifestDiagnostic> Diagnostics { get; private set; } = [];

        public void Set(IReadOnlyList<KubernetesObject> objects, IReadOnlyList<int> indexes, IReadOnlyList<ManifestDiagnostic> diagnostics) =>
            (Objects, DocumentIndexes, Diagnostics) = (objects, indexes, diagnostics);
    }
}
