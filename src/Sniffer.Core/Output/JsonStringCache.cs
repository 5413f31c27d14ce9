using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Output;

/// <summary>
/// Writes string properties whose values records repeat (banners, user agents, server strings, HASSH strings, DNS
/// names, HTTP methods and hosts — pooled per worker by <see cref="Caching.AsciiStringPool"/> — and every value of
/// an identified flow, written in <c>protocol_detected</c> and again in <c>flow_end</c>) from their JSON form
/// encoded once: the whole property, <c>"name":"value"</c> as quoted, escaped UTF-8, is kept per thread, keyed by
/// the string object and the name, and copied with one <c>WriteRawValue</c>. Without it every record transcodes
/// UTF-16 → UTF-8 and scans name and value for characters to escape again, in two writer calls.
/// <para>
/// The bytes are made by a private <see cref="Utf8JsonWriter"/> with the record writer's options
/// (<see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>, <c>SkipValidation</c>), so they are exactly what
/// <c>WriteString</c> would have written: control characters, quotes, backslashes, U+2028/U+2029 escaped, lone
/// surrogates as U+FFFD. A writer with other options (another encoder, indentation, validation) gets the plain
/// <c>WriteString</c> path. Values are written as they are: the bounds and truncation marks of
/// <see cref="Fingerprinting.WireText"/> were applied when they were read.
/// </para>
/// <para>
/// Bounded, per thread, allocation-free after the first use on a thread: a two-way set-associative table of
/// <see cref="SlotCount"/> slots (hashed by object identity; a new entry replaces the older of its set) over a
/// ring of <see cref="ArenaBytes"/> bytes (an entry whose bytes were overwritten by later ones is a miss): about
/// 1.1 MB per worker. Values
/// longer than <see cref="MaxLength"/> characters take the plain path; a miss costs one encoding, as before, plus
/// a copy. A string object is immutable, so the same object always encodes to the same bytes.
/// </para>
/// </summary>
public static class JsonStringCache
{
    /// <summary>Slots per thread (a power of two; 2,048 slots of 40 bytes stay off the large object heap).</summary>
    public const int SlotCount = 2048;
    /// <summary>
    /// Encoded bytes kept per thread: enough that a flow's values are still there for its <c>flow_end</c> after
    /// thousands of other records.
    /// </summary>
    public const int ArenaBytes = ChunkCount * ChunkBytes;
    /// <summary>
    /// The ring is made of chunks small enough for the small object heap (an array of 85,000 bytes or more is a
    /// large-object-heap allocation, which counts towards a gen-2 collection).
    /// </summary>
    private const int ChunkBytes = 64 * 1024;
    private const int ChunkCount = 16;
    /// <summary>Longest encoded value kept (quotes included); longer ones are written but not kept.</summary>
    public const int MaxEntryBytes = 8 * 1024;
    /// <summary>
    /// Longer values (characters) take the plain path. The slots keep their strings alive, so this bounds what the
    /// cache can pin per worker: <see cref="SlotCount"/> × 1,025 UTF-16 characters ≈ 4 MiB even when every value is
    /// unique and long (hostile traffic). Most wire texts are cut at <see cref="Fingerprinting.WireText.DefaultMaxLength"/>
    /// (1,024 plus the truncation mark) and fit; the few longer limits (URLs, DNS answer lists) are rarely that long.
    /// </summary>
    public const int MaxLength = Fingerprinting.WireText.DefaultMaxLength + 1;

    private struct Slot
    {
        public string? Text;
        /// <summary>The property name the entry starts with (its bytes' identity); <see cref="HasName"/> false: none.</summary>
        public JsonEncodedText Name;
        public bool HasName;
        /// <summary>Position of the entry in the ring, counted from the thread's first entry.</summary>
        public long Start;
        public int Length;
    }

    // The encoder and its buffer live as long as their thread and hold managed memory only: nothing to dispose.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Per-thread, managed buffers only")]
    private sealed class State
    {
        public readonly Slot[] Slots = new Slot[SlotCount];
        public readonly byte[][] Arena = CreateArena();
        /// <summary>Bytes stored so far (the next entry's position).</summary>
        public long Position;
        public readonly ArrayBufferWriter<byte> Scratch = new(MaxEntryBytes);
        public readonly Utf8JsonWriter Encoder;
        /// <summary>The last writer found compatible (the worker's record writer).</summary>
        public Utf8JsonWriter? CompatibleWriter;

        public State() => Encoder = new Utf8JsonWriter(Scratch, FlowRecordWriter.Options);
    }

    [ThreadStatic]
    private static State? t_state;

    /// <summary>
    /// Same output as <c>writer.WriteString(name, value)</c> (null: <c>"name":null</c>). The whole property
    /// (<c>"name":"value"</c>) is kept and copied in one <c>WriteRawValue</c>, which with the record writer's
    /// <c>SkipValidation</c> adds the separator before it exactly as <c>WriteString</c> does (see <see cref="RawJson"/>).
    /// </summary>
    public static void WriteString(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null || value.Length > MaxLength || !IsCompatible(writer))
        {
            writer.WriteString(name, value);
            return;
        }

        writer.WriteRawValue(Encoded(name, hasName: true, value), skipInputValidation: true);
    }

    /// <summary>Same output as <c>writer.WriteStringValue(value)</c> (array elements).</summary>
    public static void WriteStringValue(Utf8JsonWriter writer, string? value)
    {
        if (value is null || value.Length > MaxLength || !IsCompatible(writer))
        {
            writer.WriteStringValue(value);
            return;
        }

        writer.WriteRawValue(Encoded(default, hasName: false, value), skipInputValidation: true);
    }

    /// <summary>
    /// <c>"name":"value"</c> (or <c>"value"</c> without a name) as <c>Utf8JsonWriter</c> writes it first in an
    /// object. The span is valid until the next call on this thread.
    /// </summary>
    internal static ReadOnlySpan<byte> Encoded(JsonEncodedText name, bool hasName, string value)
    {
        var s = t_state ??= new State();
        var nameBytes = name.EncodedUtf8Bytes;
        int set = (RuntimeHelpers.GetHashCode(value) + (nameBytes.Length * 31)) & (SlotCount - 2);
        ref var first = ref s.Slots[set];
        ref var second = ref s.Slots[set + 1];
        if (Holds(s, ref first, value, hasName, nameBytes))
        {
            return Chunk(s, first.Start).AsSpan((int)(first.Start & (ChunkBytes - 1)), first.Length);
        }

        if (Holds(s, ref second, value, hasName, nameBytes))
        {
            return Chunk(s, second.Start).AsSpan((int)(second.Start & (ChunkBytes - 1)), second.Length);
        }

        // Two slots per set; a new entry replaces the older one.
        ref var slot = ref first.Start <= second.Start ? ref first : ref second;
        s.Scratch.ResetWrittenCount();
        s.Encoder.Reset(s.Scratch);
        if (hasName)
        {
            s.Encoder.WriteString(name, value);
        }
        else
        {
            s.Encoder.WriteStringValue(value);
        }

        s.Encoder.Flush();
        var encoded = s.Scratch.WrittenSpan;
        if (encoded.Length > MaxEntryBytes)
        {
            return encoded;
        }

        // An entry never straddles two chunks: skip to the next chunk's start instead.
        if ((s.Position & (ChunkBytes - 1)) + encoded.Length > ChunkBytes)
        {
            s.Position = (s.Position | (ChunkBytes - 1)) + 1;
        }

        int offset = (int)(s.Position & (ChunkBytes - 1));
        var chunk = Chunk(s, s.Position);
        encoded.CopyTo(chunk.AsSpan(offset));
        slot.Text = value;
        slot.Name = name;
        slot.HasName = hasName;
        slot.Start = s.Position;
        slot.Length = encoded.Length;
        s.Position += encoded.Length;
        return chunk.AsSpan(offset, encoded.Length);
    }

    private static bool Holds(State s, ref Slot slot, string value, bool hasName, ReadOnlySpan<byte> nameBytes) =>
        ReferenceEquals(slot.Text, value) && slot.HasName == hasName && s.Position - slot.Start <= ArenaBytes
        && Unsafe.AreSame(ref MemoryMarshal.GetReference(slot.Name.EncodedUtf8Bytes), ref MemoryMarshal.GetReference(nameBytes));

    private static byte[] Chunk(State s, long position) => s.Arena[(int)(position / ChunkBytes) & (ChunkCount - 1)];

    private static byte[][] CreateArena()
    {
        var chunks = new byte[ChunkCount][];
        for (int i = 0; i < chunks.Length; i++)
        {
            chunks[i] = GC.AllocateUninitializedArray<byte>(ChunkBytes);
        }

        return chunks;
    }

    /// <summary>
    /// The cached bytes are the record writer's: relaxed escaping, no indentation, and no validation (a raw
    /// property is only accepted where the writer does not check the structure).
    /// </summary>
    internal static bool IsCompatible(Utf8JsonWriter writer)
    {
        var s = t_state ??= new State();
        if (ReferenceEquals(s.CompatibleWriter, writer))
        {
            return true; // a writer's options never change
        }

        var options = writer.Options;
        bool compatible = options.SkipValidation && !options.Indented
            && ReferenceEquals(options.Encoder, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
        if (compatible)
        {
            s.CompatibleWriter = writer;
        }

        return compatible;
    }
}
