using Sniffer.Decoding;

namespace Sniffer.Output;

/// <summary>
/// Text of the addresses a record writer writes, formatted once: every flow's two endpoints go into each of its
/// records (usually two), servers and busy clients come back flow after flow, and formatting costs ≈ 800
/// instructions for IPv6 (through <c>IPAddress</c>, an object each time). One per writer, so per worker; bounded:
/// direct-mapped, a slot keeps the last address that hashed to it, ≈ 90 KB in arrays that stay off the large
/// object heap.
/// </summary>
internal sealed class AddressTextCache
{
    /// <summary>Slots (a power of two).</summary>
    public const int Slots = 1024;

    /// <summary>Room per address (the longest IPv6 text is 45 bytes).</summary>
    private const int TextBytes = 64;

    private readonly IpAddr[] _keys = new IpAddr[Slots];
    /// <summary>Text length per slot; 0: empty.</summary>
    private readonly byte[] _lengths = new byte[Slots];
    private readonly byte[][] _texts = CreateTexts();

    /// <summary>The address as <see cref="IpAddr.TryFormat"/> writes it (empty if it cannot).</summary>
    public ReadOnlySpan<byte> Get(IpAddr ip)
    {
        int i = ip.GetHashCode() & (Slots - 1);
        var text = _texts[i >> 6].AsSpan((i & 63) * TextBytes, TextBytes);
        int length = _lengths[i];
        if (length != 0 && _keys[i].Equals(ip))
        {
            return text[..length];
        }

        if (!ip.TryFormat(text, out int n) || n == 0 || n > byte.MaxValue)
        {
            _lengths[i] = 0;
            return text[..(n > 0 && n <= text.Length ? n : 0)];
        }

        _keys[i] = ip;
        _lengths[i] = (byte)n;
        return text[..n];
    }

    // 16 arrays of 64 texts (4 KB each) rather than one of 64 KB: well under the large-object threshold either
    // way, and a slot's text stays within one array.
    private static byte[][] CreateTexts()
    {
        var texts = new byte[Slots / 64][];
        for (int i = 0; i < texts.Length; i++)
        {
            texts[i] = new byte[64 * TextBytes];
        }

        return texts;
    }
}
