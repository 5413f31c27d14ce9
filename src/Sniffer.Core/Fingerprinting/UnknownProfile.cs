using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sniffer.Fingerprinting;

/// <summary>
/// What an unidentified flow looks like, so an analyst can still reason about it and recognise the same unknown
/// thing across flows: byte entropy, printable ratio, who spoke first, the first bytes (hex and escaped text), a
/// coarse guess, and a stable shape (and its hash) that ignores the parts of a message that change per flow.
/// Written under <c>sniffer.unknown</c>; the sizes/directions of the first payload packets come from the flow.
/// </summary>
public sealed class UnknownProfile
{
    /// <summary>First bytes of the first message shown in the record.</summary>
    public const int FirstBytesShown = 32;
    /// <summary>Bytes the statistics look at, per direction.</summary>
    public const int MaxStatisticsBytes = 4096;
    /// <summary>Characters of a text protocol's first token kept in the shape.</summary>
    public const int MaxShapeToken = 16;

    private enum GuessKind : byte
    {
        NoPayload,
        EncryptedOrCompressed,
        TextProtocol,
        BinaryProtocol,
    }

    private static readonly string[] GuessNames = ["no-payload", "encrypted-or-compressed", "text-protocol", "binary-protocol"];

    /// <summary>The longest shape: "tcp/c/encrypted-or-compressed/" or a 16-character token, size class digits.</summary>
    private const int MaxShapeChars = 96;

    // Compact on purpose: a flow that stays unknown keeps its profile until its record is written, and a flood of
    // one-packet flows from distinct sources holds one per flow-table entry. The strings are made when written.
    // Pooled per worker thread: once the flow's record is written the profile is reused (a flood that evicts one
    // unknown flow for each new one allocates none; without the pool, 1.6 million dead profiles in gen2 cost a
    // 2-million-source UDP flood 140 MB of peak RSS). Whatever keeps a profile longer takes a Snapshot().
    private FirstBytes _first;
    private byte _firstLength;
    private GuessKind _guess;
    private byte _speaker;
    private Transport _transport;
    private int _sampleLength;
    private ulong _shapeHash;
    private bool _shared;

    /// <summary>Profiles kept per worker thread for reuse.</summary>
    public const int MaxPooled = 4096;

    [ThreadStatic]
    private static Stack<UnknownProfile>? t_pool;

    public string Guess => GuessNames[(int)_guess];
    public double Entropy { get; private set; }
    public double PrintableRatio { get; private set; }
    public int ClientBytesSeen { get; private set; }
    public int ServerBytesSeen { get; private set; }

    private ReadOnlySpan<byte> First => ((ReadOnlySpan<byte>)_first)[.._firstLength];

    /// <summary>The first bytes as lowercase hex; null without payload.</summary>
    public string? FirstBytesHex => _firstLength == 0 ? null : Convert.ToHexStringLower(First);

    /// <summary>The first bytes as text: printable ASCII kept, <c>\r \n \t \\</c>, others <c>\xHH</c>; null without payload.</summary>
    public string? FirstBytesText
    {
        get
        {
            if (_firstLength == 0)
            {
                return null;
            }

            Span<char> text = stackalloc char[FirstBytesShown * 4];
            return new string(text[..EscapedText(First, text)]);
        }
    }

    public string Shape
    {
        get
        {
            Span<char> shape = stackalloc char[MaxShapeChars];
            return new string(shape[..FormatShape(shape)]);
        }
    }

    /// <summary>The first 8 bytes of SHA-256 over <see cref="Shape"/>, as a number (<see cref="ShapeHash"/> in hex).</summary>
    public ulong ShapeHashValue => _shapeHash;

    /// <summary>First 16 hex digits of SHA-256 over <see cref="Shape"/> (UTF-8).</summary>
    public string ShapeHash => _shapeHash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly UnknownProfile NoPayloadTcp = Shared(Transport.Tcp);
    private static readonly UnknownProfile NoPayloadUdp = Shared(Transport.Udp);

    private static UnknownProfile Shared(Transport transport)
    {
        var profile = new UnknownProfile();
        profile.Init(default, default, null, transport);
        profile._shared = true;
        return profile;
    }

    /// <summary>Builds the profile from the bytes the detector held when it gave up.</summary>
    public static UnknownProfile Create(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport)
    {
        if (client.IsEmpty && server.IsEmpty)
        {
            return transport == Transport.Tcp ? NoPayloadTcp : NoPayloadUdp; // a scan or a lone SYN: shared, no allocation
        }

        var profile = t_pool is { } pool && pool.TryPop(out var pooled) ? pooled : new UnknownProfile();
        profile.Init(client, server, clientSpokeFirst, transport);
        return profile;
    }

    /// <summary>
    /// Hands a profile back for reuse: the packet path calls it once the flow's records are written. Anything that
    /// keeps the profile beyond that (the port summary's examples) must keep a <see cref="Snapshot"/> instead.
    /// </summary>
    public static void Return(UnknownProfile profile)
    {
        if (profile._shared)
        {
            return;
        }

        var pool = t_pool ??= new Stack<UnknownProfile>();
        if (pool.Count < MaxPooled)
        {
            pool.Push(profile);
        }
    }

    /// <summary>A copy that is never pooled, to keep after the flow's record is written.</summary>
    public UnknownProfile Snapshot()
    {
        var copy = (UnknownProfile)MemberwiseClone();
        copy._shared = true;
        return copy;
    }

    private void Init(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport)
    {
        bool clientFirst = clientSpokeFirst ?? !client.IsEmpty;
        var first = clientFirst ? client : server;
        if (first.IsEmpty)
        {
            first = clientFirst ? server : client;
        }

        var sample = first[..Math.Min(first.Length, MaxStatisticsBytes)];
        double entropy = ComputeEntropy(sample);
        double printable = ComputePrintableRatio(sample);
        if (sample.IsEmpty)
        {
            _guess = GuessKind.NoPayload;
        }
        else if (sample.Length >= 16 && entropy >= 0.85 * Math.Min(8.0, Math.Log2(sample.Length)) && printable < 0.8)
        {
            _guess = GuessKind.EncryptedOrCompressed;
        }
        else if (printable >= 0.9)
        {
            _guess = GuessKind.TextProtocol;
        }
        else
        {
            _guess = GuessKind.BinaryProtocol;
        }

        _transport = transport;
        _speaker = (byte)(sample.IsEmpty ? '-' : clientFirst ? 'c' : 's');
        _sampleLength = sample.Length;
        _firstLength = (byte)Math.Min(first.Length, FirstBytesShown);
        first[.._firstLength].CopyTo(_first);
        Entropy = Math.Round(entropy, 3);
        PrintableRatio = Math.Round(printable, 3);
        ClientBytesSeen = client.Length;
        ServerBytesSeen = server.Length;

        Span<char> shape = stackalloc char[MaxShapeChars];
        int n = FormatShape(shape);
        Span<byte> utf8 = stackalloc byte[MaxShapeChars * 3];
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(shape[..n], utf8)], hash);
        _shapeHash = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>Shannon entropy in bits per byte.</summary>
    public static double ComputeEntropy(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (byte b in data)
        {
            counts[b]++;
        }

        double h = 0;
        foreach (int c in counts)
        {
            if (c > 0)
            {
                double p = (double)c / data.Length;
                h -= p * Math.Log2(p);
            }
        }

        return h;
    }

    public static double ComputePrintableRatio(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        int printable = 0;
        foreach (byte b in data)
        {
            if (b is >= 0x20 and < 0x7F or (byte)'\r' or (byte)'\n' or (byte)'\t')
            {
                printable++;
            }
        }

        return (double)printable / data.Length;
    }

    /// <summary>
    /// The stable part of the first message: for text, its first token; for binary, its first 4 bytes; for
    /// encrypted-looking data, only its size class — plus transport, direction and guess. Derived from the first
    /// <see cref="FirstBytesShown"/> bytes and the sample's length (the token is at most <see cref="MaxShapeToken"/>).
    /// </summary>
    private int FormatShape(Span<char> shape)
    {
        int n = 0;
        void Append(ReadOnlySpan<char> text, Span<char> to)
        {
            text.CopyTo(to[n..]);
            n += text.Length;
        }

        Append(_transport == Transport.Tcp ? "tcp/" : "udp/", shape);
        shape[n++] = (char)_speaker;
        shape[n++] = '/';
        Append(Guess, shape);
        shape[n++] = '/';
        var first = First;
        switch (_guess)
        {
            case GuessKind.TextProtocol:
                {
                    int end = first.IndexOfAny(" \r\n\t"u8);
                    foreach (byte b in first[..Math.Min(end < 0 ? first.Length : end, MaxShapeToken)])
                    {
                        shape[n++] = b is >= (byte)'0' and <= (byte)'9' ? '9' : (char)b;
                    }

                    break;
                }

            case GuessKind.BinaryProtocol:
                {
                    Convert.TryToHexStringLower(first[..Math.Min(4, first.Length)], shape[n..], out int written);
                    n += written;
                    Append("/len", shape);
                    SizeClass(_sampleLength).TryFormat(shape[n..], out written, default, System.Globalization.CultureInfo.InvariantCulture);
                    n += written;
                    break;
                }

            case GuessKind.EncryptedOrCompressed:
                {
                    Append("len", shape);
                    SizeClass(_sampleLength).TryFormat(shape[n..], out int written, default, System.Globalization.CultureInfo.InvariantCulture);
                    n += written;
                    break;
                }
        }

        return n;
    }

    private static int SizeClass(int length) => length <= 0 ? 0 : 1 << (int)Math.Ceiling(Math.Log2(length));

    private static int EscapedText(ReadOnlySpan<byte> bytes, Span<char> text)
    {
        int n = 0;
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': text[n++] = '\\'; text[n++] = 'r'; break;
                case (byte)'\n': text[n++] = '\\'; text[n++] = 'n'; break;
                case (byte)'\t': text[n++] = '\\'; text[n++] = 't'; break;
                case (byte)'\\': text[n++] = '\\'; text[n++] = '\\'; break;
                case >= 0x20 and < 0x7F: text[n++] = (char)b; break;
                default:
                    text[n++] = '\\';
                    text[n++] = 'x';
                    text[n++] = "0123456789abcdef"[b >> 4];
                    text[n++] = "0123456789abcdef"[b & 0xF];
                    break;
            }
        }

        return n;
    }

    public void Write(Utf8JsonWriter w, ReadOnlySpan<int> payloadSizes)
    {
        w.WriteStartObject("unknown"u8);
        w.WriteString("guess"u8, Guess);
        w.WriteNumber("entropy"u8, Entropy);
        w.WriteNumber("printable_ratio"u8, PrintableRatio);
        Span<char> text = stackalloc char[Math.Max(FirstBytesShown * 4, MaxShapeChars)];
        if (_firstLength > 0)
        {
            w.WriteStartObject("first_bytes"u8);
            Convert.TryToHexStringLower(First, text, out int hex);
            w.WriteString("hex"u8, text[..hex]);
            w.WriteString("text"u8, text[..EscapedText(First, text)]);
            w.WriteEndObject();
        }

        w.WriteStartArray("payload_sizes"u8);
        foreach (int s in payloadSizes)
        {
            w.WriteNumberValue(s);
        }

        w.WriteEndArray();
        w.WriteNumber("client_bytes_inspected"u8, ClientBytesSeen);
        w.WriteNumber("server_bytes_inspected"u8, ServerBytesSeen);
        w.WriteString("shape"u8, text[..FormatShape(text)]);
        _shapeHash.TryFormat(text, out int digits, "x16", System.Globalization.CultureInfo.InvariantCulture);
        w.WriteString("shape_hash"u8, text[..digits]);
        w.WriteEndObject();
    }

    [System.Runtime.CompilerServices.InlineArray(FirstBytesShown)]
    private struct FirstBytes
    {
        private byte _element;
    }
}
