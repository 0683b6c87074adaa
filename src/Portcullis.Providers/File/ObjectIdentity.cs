namespace Portcullis.Providers.File;

using System.Security.Cryptography;
using System.Text;
using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;

/// <summary>
/// Synthesizes the metadata the API server would add to objects read from files: a stable uid, the time this
/// process first saw the object, a generation that moves only when the spec changes, and a resourceVersion
/// that moves on any change. State lives as long as the object does: deleting it forgets it, as a cluster would.
/// </summary>
internal sealed class ObjectIdentity(TimeProvider time)
{
    private readonly Dictionary<ObjectRef, State> _states = [];
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private long _revision;
    private long _calls;

    /// <summary>What the last <see cref="Apply"/> returned that the one before did not.</summary>
    public Changes LastChanges { get; private set; } = new([], [], Removed: false);

    public List<KubernetesObject> Apply(IReadOnlyList<KubernetesObject> objects)
    {
        // Sized before the first objects go in: grown one doubling at a time, the table of 20,000 states ended up
        // with room for 36,000.
        _states.EnsureCapacity(objects.Count);
        var result = new List<KubernetesObject>(objects.Count);

        // Each state seen by this call is stamped with its number, so the states of deleted objects are found without
        // a set of the 30,000 seen keys (one hash look-up per object instead of three, and no large set per reload).
        var call = ++_calls;
        var seen = 0;
        var replaced = new List<KubernetesObject>();
        var added = new List<KubernetesObject>();
        foreach (var input in objects)
        {
            ref var state = ref CollectionsMarshal.GetValueRefOrAddDefault(_states, input.Ref, out var exists);
            if (state.SeenBy != call)
            {
                seen++;
            }

            // Objects of files that did not change are the very instances seen last time: their
            // content, and so their identity, cannot have changed. Serializing 20,000 objects per
            // reload to find that out took a second; this makes unchanged objects free.
            if (exists && ReferenceEquals(state.Input, input))
            {
                state = state with { SeenBy = call };
                result.Add(state.Output);
                continue;
            }

            var obj = WithSynthesizedLabels(input);
            if (!exists)
            {
                // Digested only when another version of the object arrives: at start that is none of them, and
                // serializing 30,000 objects (10,000 Secrets of certificates) was half a second of the start.
                state = new State(time.GetUtcNow(), Known: null, Generation: 1, ++_revision, input, input, call);
            }
            else
            {
                var before = state.Known ?? Digest(WithSynthesizedLabels(state.Input));
                var now = Digest(obj);
                var generation = now.Spec is not null && before.Spec != now.Spec ? state.Generation + 1 : state.Generation;
                state = before.Content == now.Content
                    ? state with { Known = now }
                    : state with { Known = now, Generation = generation, ResourceVersion = ++_revision };
            }

            var output = obj with
            {
                Metadata = obj.Metadata with
                {
                    Uid = obj.Metadata.Uid ?? StableUid(obj.Ref),
                    CreationTimestamp = obj.Metadata.CreationTimestamp ?? state.Created,
                    Generation = state.Generation,
                    ResourceVersion = state.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            };
            state = state with { Input = input, Output = output, SeenBy = call };
            result.Add(output);
            (exists ? replaced : added).Add(output);
        }

        var removed = seen != _states.Count;
        if (removed)
        {
            foreach (var gone in _states.Where(kv => kv.Value.SeenBy != call).Select(kv => kv.Key).ToArray())
            {
                _states.Remove(gone);
            }
        }

        LastChanges = new Changes(replaced, added, removed);
        return result;
    }

    /// <summary>A version-5-style UUID from SHA-256 of kind/namespace/name: the same object always gets the same uid.</summary>
    internal static string StableUid(ObjectRef key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"portcullis/{key.Kind}/{key.Namespace}/{key.Name}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>The object as the API server would store it before its metadata is synthesized: a Namespace gets its name label.</summary>
    private static KubernetesObject WithSynthesizedLabels(KubernetesObject obj) => obj is Namespace ns ? WithNameLabel(ns) : obj;

    private static Namespace WithNameLabel(Namespace ns)
    {
        var labels = ns.Metadata.Labels is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(ns.Metadata.Labels, StringComparer.Ordinal);
        labels[Namespace.NameLabel] = ns.Metadata.Name;
        return ns with { Metadata = ns.Metadata with { Labels = labels } };
    }

    /// <summary>A digest of the object without the fields this class synthesizes, and of its spec on its own (null for kinds without one).</summary>
    private Digests Digest(KubernetesObject obj)
    {
        // Written straight from the object into a reused buffer (not through a JsonNode tree, which cost 60 MB for
        // 20,000 objects at start), then the spec is found in the written bytes.
        var stripped = obj with { Metadata = obj.Metadata with { Uid = null, Generation = 0, ResourceVersion = null, CreationTimestamp = null } };
        _buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            JsonSerializer.Serialize(writer, stripped, stripped.GetType(), KubeJson.Output);
        }

        var json = _buffer.WrittenSpan;
        return new Digests(Digest(json), SpecOf(json) is { Length: > 0 } specJson ? Digest(specJson) : null);
    }

    /// <summary>The JSON of the top-level "spec" property's value, or empty when there is none.</summary>
    private static ReadOnlySpan<byte> SpecOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read(); // the object's start
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isSpec = reader.ValueTextEquals("spec"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isSpec)
            {
                return json[start..(int)reader.BytesConsumed];
            }
        }

        return [];
    }

    /// <summary>Kept per object for as long as it exists, so a digest rather than the JSON: at 10,000 Secrets the JSON held tens of megabytes.</summary>
    private static UInt128 Digest(ReadOnlySpan<byte> json)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(json, hash);
        return MemoryMarshal.Read<UInt128>(hash);
    }

    /// <summary>
    /// Kept in the dictionary by value, not as an object per object (20,000 fewer for the collector at 10,000 hosts).
    /// The digests, 64 bytes, are an object of their own because most objects never change after start.
    /// </summary>
    /// <param name="Known">Digests of the latest version of the object, once computed (from Input when the next version arrives).</param>
    /// <param name="Input">The object as read, compared by reference on the next call.</param>
    /// <param name="Output">What was returned for it, returned again while Input is the same instance.</param>
    /// <param name="SeenBy">The number of the last <see cref="Apply"/> call that saw the object.</param>
    private readonly record struct State(DateTimeOffset Created, Digests? Known, long Generation, long ResourceVersion,
        KubernetesObject Input, KubernetesObject Output, long SeenBy);

    /// <param name="Replaced">New versions of objects the previous call returned too (new instances, same key).</param>
    /// <param name="Added">Objects the previous call did not return.</param>
    /// <param name="Removed">True when some object the previous call returned is gone.</param>
    public sealed record Changes(IReadOnlyList<KubernetesObject> Replaced, IReadOnlyList<KubernetesObject> Added, bool Removed);

    /// <param name="Content">Of the whole object without synthesized metadata.</param>
    /// <param name="Spec">Of its spec alone; null for kinds without one.</param>
    private sealed record Digests(UInt128 Content, UInt128? Spec);
}
