using System.Text;

namespace Sniffer.Caching;

/// <summary>
/// Per-thread pool of the short ASCII strings that flows repeat (banners, user agents, server headers, JA3 and
/// HASSH strings, …): the same bytes give the same string object, so repeated values are neither allocated
/// again nor held once per flow. Direct-mapped and bounded: a slot keeps the last string that hashed to it;
/// a miss costs one hash over the bytes and no allocation beyond the string itself.
/// </summary>
public static class AsciiStringPool
{
    /// <summary>Slots per thread (a power of two).</summary>
    public const int Slots = 1024;
    /// <summary>Longer texts are not pooled.</summary>
    public const int MaxLength = 4096;

    private struct Slot
    {
        public ulong Hash;
        public string? Text;
    }

    [ThreadStatic]
    private static Slot[]? t_slots;

    /// <summary>The bytes as a string (ASCII: each byte one char); pooled when they are ASCII and short enough.</summary>
    public static string Get(ReadOnlySpan<byte> ascii)
    {
        if (ascii.IsEmpty)
        {
            return string.Empty;
        }

        if (ascii.Length > MaxLength || !Ascii.IsValid(ascii))
        {
            return Encoding.ASCII.GetString(ascii);
        }

        var slots = t_slots ??= new Slot[Slots];
        ulong hash = FastHash.Compute(ascii);
        ref var slot = ref slots[(int)(hash & (Slots - 1))];
        if (slot.Hash == hash && slot.Text is { } text && text.Length == ascii.Length && Ascii.Equals(ascii, text))
        {
            return text;
        }

        text = Encoding.ASCII.GetString(ascii);
        slot.Hash = hash;
        slot.Text = text;
        return text;
    }
}
