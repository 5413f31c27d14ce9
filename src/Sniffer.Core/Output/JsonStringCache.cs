using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Sniffer.Output;

/// <summary>
/// Writes string values that records repeat (banners, user agents, server strings, HASSH strings, DNS names, HTTP
/// methods and hosts — pooled per worker by <see cref="Caching.AsciiStringPool"/>, and written again in
/// <c>flow_end</c> after <c>protocol_detected</c>) from their JSON form encoded once: the quoted, escaped UTF-8
/// bytes are kept per thread, keyed by the string object, and copied with <c>WriteRawValue</c>. Without it every
/// record transcodes UTF-16 → UTF-8 and scans for characters to escape again.
/// <para>
/// The bytes are made by a private <see cref="Utf8JsonWriter"/> with the record writer's encoder
/// (<see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>), so they are exactly what <c>WriteString</c> would
/// have written: control characters, quotes, backslashes, U+2028/U+2029 escaped, lone surrogates as U+FFFD. A
/// writer with another encoder gets the plain <c>WriteString</c> path.
/// </para>
/// <para>
/// Bounded, per thread, allocation-free after the first use on a thread: a direct-mapped table of
/// <see cref="SlotCount"/> slots (hashed by object identity; a slot keeps the last string that mapped to it) over a
/// ring of <see cref="ArenaBytes"/> bytes (an entry whose bytes were overwritten by later ones is a miss). Values
/// longer than <see cref="MaxLength"/> characters take the plain path; a miss costs one encoding, as before, plus
/// a copy.
/// </para>
/// </summary>
public static class JsonStringCache
{
    /// <summary>Slots per thread (a power of two).</summary>
    public const int SlotCount = 1024;
    /// <summary>Encoded bytes kept per thread (a power of two).</summary>
    public const int ArenaBytes = 256 * 1024;
    /// <summary>Longest encoded value kept (quotes included); longer ones are written but not kept.</summary>
    public const int MaxEntryBytes = 8 * 1024;
    /// <summary>Longer values (characters) take the plain path (every wire text limit is below it).</summary>
    public const int MaxLength = 4096;

    private struct Slot
    {
        public string? Text;
        /// <summary>Position of the entry in the ring, counted from the thread's first entry.</summary>
        public long Start;
        public int Length;
    }

    // The encoder writes into managed memory only and lives as long as its thread: nothing to dispose.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Per-thread, managed buffers only")]
    private sealed class State
    {
        public readonly Slot[] Slots = new Slot[SlotCount];
        public readonly byte[] Arena = GC.AllocateUninitializedArray<byte>(ArenaBytes);
        /// <summary>Bytes stored so far (the next entry's position).</summary>
        public long Position;
        public readonly ArrayBufferWriter<byte> Scratch = new(MaxEntryBytes);
        public readonly Utf8JsonWriter Encoder;

        public State() => Encoder = new Utf8JsonWriter(Scratch, new JsonWriterOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = true,
        });
    }

    [ThreadStatic]
    private static State? t_state;

    /// <summary>Same output as <c>writer.WriteString(name, value)</c> (null: <c>"name":null</c>).</summary>
    public static void WriteString(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is null || value.Length > MaxLength || !IsRelaxed(writer))
        {
            writer.WriteString(name, value);
            return;
        }

        var encoded = Encoded(value);
        writer.WritePropertyName(name);
        writer.WriteRawValue(encoded, skipInputValidation: true);
    }

    /// <summary>Same output as <c>writer.WriteStringValue(value)</c> (array elements).</summary>
    public static void WriteStringValue(Utf8JsonWriter writer, string? value)
    {
        if (value is null || value.Length > MaxLength || !IsRelaxed(writer))
        {
            writer.WriteStringValue(value);
            return;
        }

        writer.WriteRawValue(Encoded(value), skipInputValidation: true);
    }

    /// <summary>
    /// The value as quoted, escaped UTF-8 (what <c>WriteStringValue</c> writes). The span is valid until the next
    /// call on this thread; at most <see cref="MaxLength"/> characters.
    /// </summary>
    internal static ReadOnlySpan<byte> Encoded(string value)
    {
        var s = t_state ??= new State();
        ref var slot = ref s.Slots[RuntimeHelpers.GetHashCode(value) & (SlotCount - 1)];
        if (ReferenceEquals(slot.Text, value) && s.Position - slot.Start <= ArenaBytes)
        {
            return s.Arena.AsSpan((int)(slot.Start & (ArenaBytes - 1)), slot.Length);
        }

        s.Scratch.ResetWrittenCount();
        s.Encoder.Reset(s.Scratch);
        s.Encoder.WriteStringValue(value);
        s.Encoder.Flush();
        var encoded = s.Scratch.WrittenSpan;
        if (encoded.Length > MaxEntryBytes)
        {
            return encoded;
        }

        // An entry never wraps around the end of the ring: skip to its start instead.
        if ((s.Position & (ArenaBytes - 1)) + encoded.Length > ArenaBytes)
        {
            s.Position = (s.Position | (ArenaBytes - 1)) + 1;
        }

        int offset = (int)(s.Position & (ArenaBytes - 1));
        encoded.CopyTo(s.Arena.AsSpan(offset));
        slot.Text = value;
        slot.Start = s.Position;
        slot.Length = encoded.Length;
        s.Position += encoded.Length;
        return s.Arena.AsSpan(offset, encoded.Length);
    }

    private static bool IsRelaxed(Utf8JsonWriter writer) =>
        ReferenceEquals(writer.Options.Encoder, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
}
