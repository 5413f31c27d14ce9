using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Sniffer.Flows;
using Sniffer.Hashing;

namespace Sniffer.Fingerprinting;

/// <summary>
/// What an unidentified flow looks like, so an analyst can still reason about it and recognise the same unknown
/// thing across flows: byte entropy, printable ratio, who spoke first, the first bytes (hex and escaped text), a
/// coarse guess, and a stable shape (and its hash) that ignores the parts of a message that change per flow.
/// Written under <c>sniffer.unknown</c>, with the sizes/directions of the flow's first payload packets.
/// One small object per unknown flow: the first bytes, the shape (UTF-8) and its hash are kept raw and formatted
/// straight into the JSON writer; no strings are built unless a caller asks for them.
/// </summary>
public sealed class UnknownProfile
{
    /// <summary>First bytes of the first message shown in the record.</summary>
    public const int FirstBytesShown = 32;
    /// <summary>Bytes the statistics look at, per direction.</summary>
    public const int MaxStatisticsBytes = 4096;
    /// <summary>Characters of a text protocol's first token kept in the shape.</summary>
    public const int MaxShapeToken = 16;
    /// <summary>Bytes of the shape's UTF-8 text: "udp/s/encrypted-or-compressed/" and 16 token characters of up to 2 bytes.</summary>
    private const int MaxShapeBytes = 64;

    private const string NoPayloadGuess = "no-payload";
    private const string EncryptedGuess = "encrypted-or-compressed";
    private const string TextGuess = "text-protocol";
    private const string BinaryGuess = "binary-protocol";

    private FirstBytesBuffer _firstBytes;
    private int _firstBytesLength;
    private ShapeBuffer _shape;
    private int _shapeLength;
    private ulong _shapeHash;
    private PayloadSizeList _sizes;
    private int _sizeCount;
    private bool _shared;

    private UnknownProfile(bool shared) => _shared = shared;

    public string Guess { get; private set; } = NoPayloadGuess;
    public double Entropy { get; private set; }
    public double PrintableRatio { get; private set; }
    public int ClientBytesSeen { get; private set; }
    public int ServerBytesSeen { get; private set; }

    /// <summary>The first bytes shown (at most <see cref="FirstBytesShown"/>).</summary>
    public ReadOnlySpan<byte> FirstBytes => ((ReadOnlySpan<byte>)_firstBytes)[.._firstBytesLength];

    /// <summary>The shape as UTF-8.</summary>
    public ReadOnlySpan<byte> ShapeUtf8 => ((ReadOnlySpan<byte>)_shape)[.._shapeLength];

    /// <summary>The first 8 bytes of the SHA-256 of the shape (big-endian), shown as 16 hex digits.</summary>
    public ulong ShapeHashValue => _shapeHash;

    public string? FirstBytesHex => _firstBytesLength == 0 ? null : Hex.ToStringLower(FirstBytes);

    public string? FirstBytesText
    {
        get
        {
            if (_firstBytesLength == 0)
            {
                return null;
            }

            Span<byte> text = stackalloc byte[FirstBytesShown * 4];
            return Encoding.ASCII.GetString(text[..EscapeText(FirstBytes, text)]);
        }
    }

    public string Shape => Encoding.UTF8.GetString(ShapeUtf8);

    public string ShapeHash
    {
        get
        {
            Span<byte> hex = stackalloc byte[16];
            WriteShapeHash(hex);
            return Encoding.ASCII.GetString(hex);
        }
    }

    /// <summary>Sizes of the first payload packets, positive client → server, negative server → client.</summary>
    public ReadOnlySpan<int> PayloadSizes => ((ReadOnlySpan<int>)_sizes)[.._sizeCount];

    private static readonly UnknownProfile NoPayloadTcp = Build(default, default, null, Transport.Tcp, default, shared: true);
    private static readonly UnknownProfile NoPayloadUdp = Build(default, default, null, Transport.Udp, default, shared: true);

    /// <summary>Builds the profile from the bytes the detector held when it gave up.</summary>
    public static UnknownProfile Create(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport) =>
        Create(client, server, clientSpokeFirst, transport, default);

    /// <summary>Builds the profile, with the payload sizes noted so far.</summary>
    public static UnknownProfile Create(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport, ReadOnlySpan<int> payloadSizes)
    {
        if (client.IsEmpty && server.IsEmpty && payloadSizes.IsEmpty)
        {
            return transport == Transport.Tcp ? NoPayloadTcp : NoPayloadUdp; // a scan or a lone SYN: shared, no allocation
        }

        return Build(client, server, clientSpokeFirst, transport, payloadSizes, shared: false);
    }

    /// <summary>
    /// Notes one more payload packet (up to <see cref="Flow.MaxPayloadSizes"/>); returns the profile to keep,
    /// which is a copy of a shared no-payload profile the first time.
    /// </summary>
    public UnknownProfile NotePayload(int length, bool fromClient)
    {
        if (_sizeCount >= Flow.MaxPayloadSizes)
        {
            return this;
        }

        var profile = this;
        if (_shared)
        {
            profile = (UnknownProfile)MemberwiseClone();
            profile._shared = false;
        }

        profile._sizes[profile._sizeCount++] = fromClient ? length : -length;
        return profile;
    }

    /// <summary>Profiles kept per worker thread for reuse (a flood of unknown flows makes one per flow).</summary>
    public const int MaxPooled = 4096;

    [ThreadStatic]
    private static Stack<UnknownProfile>? t_pool;

    /// <summary>Set on a copy made to outlive its flow (<see cref="Snapshot"/>): never pooled.</summary>
    private bool _kept;

    private static UnknownProfile Rent() =>
        t_pool is { } pool && pool.TryPop(out var p) ? p : new UnknownProfile(shared: false);

    /// <summary>
    /// Hands a profile back once its flow's record is written (every field is set again by the next
    /// <see cref="Create(ReadOnlySpan{byte}, ReadOnlySpan{byte}, bool?, Transport, ReadOnlySpan{int})"/>). The shared
    /// no-payload profiles and snapshots are never reused.
    /// </summary>
    public static void Return(UnknownProfile profile)
    {
        if (profile._shared || profile._kept)
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
        copy._kept = true;
        return copy;
    }

    private static UnknownProfile Build(ReadOnlySpan<byte> client, ReadOnlySpan<byte> server, bool? clientSpokeFirst, Transport transport, ReadOnlySpan<int> payloadSizes, bool shared)
    {
        bool clientFirst = clientSpokeFirst ?? !client.IsEmpty;
        var first = clientFirst ? client : server;
        if (first.IsEmpty)
        {
            first = clientFirst ? server : client;
        }

        var sample = first[..Math.Min(first.Length, MaxStatisticsBytes)];
        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (byte b in sample)
        {
            counts[b]++;
        }

        double entropy = EntropyFromCounts(counts, sample.Length);
        double printable = PrintableFromCounts(counts, sample.Length);
        string guess;
        if (sample.IsEmpty)
        {
            guess = NoPayloadGuess;
        }
        else if (sample.Length >= 16 && entropy >= 0.85 * Math.Min(8.0, Math.Log2(sample.Length)) && printable < 0.8)
        {
            guess = EncryptedGuess;
        }
        else if (printable >= 0.9)
        {
            guess = TextGuess;
        }
        else
        {
            guess = BinaryGuess;
        }

        var p = shared ? new UnknownProfile(shared: true) : Rent();
        p.Guess = guess;
        p.Entropy = Math.Round(entropy, 3);
        p.PrintableRatio = Math.Round(printable, 3);
        p.ClientBytesSeen = client.Length;
        p.ServerBytesSeen = server.Length;
        var shown = first[..Math.Min(first.Length, FirstBytesShown)];
        shown.CopyTo(p._firstBytes);
        p._firstBytesLength = shown.Length;
        p._shapeLength = BuildShape(sample, guess, sample.IsEmpty ? (byte)'-' : clientFirst ? (byte)'c' : (byte)'s', transport, p._shape);
        Span<byte> hash = stackalloc byte[Sha256.HashSize];
        Sha256.HashData(p.ShapeUtf8, hash);
        p._shapeHash = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(hash);
        payloadSizes = payloadSizes[..Math.Min(payloadSizes.Length, Flow.MaxPayloadSizes)];
        payloadSizes.CopyTo(p._sizes);
        p._sizeCount = payloadSizes.Length;
        return p;
    }

    /// <summary>Shannon entropy in bits per byte.</summary>
    public static double ComputeEntropy(ReadOnlySpan<byte> data)
    {
        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (byte b in data)
        {
            counts[b]++;
        }

        return EntropyFromCounts(counts, data.Length);
    }

    // H = −Σ (c/n)·log2(c/n) = log2 n − (Σ c·log2 c) / n, with c·log2 c from a table (c ≤ MaxStatisticsBytes).
    private static double EntropyFromCounts(ReadOnlySpan<int> counts, int n)
    {
        if (n == 0)
        {
            return 0;
        }

        double sum = 0;
        foreach (int c in counts)
        {
            if (c > 1)
            {
                sum += c <= MaxStatisticsBytes ? EntropyTable.CLog2C[c] : c * Math.Log2(c);
            }
        }

        double h = Math.Log2(n) - (sum / n);
        return h > 0 ? h : 0; // one repeated byte: exactly 0, never a rounding residue or -0
    }

    private static class EntropyTable
    {
        /// <summary>c·log2(c) for c = 0..MaxStatisticsBytes.</summary>
        public static readonly double[] CLog2C = Create();

        private static double[] Create()
        {
            var table = new double[MaxStatisticsBytes + 1];
            for (int c = 2; c < table.Length; c++)
            {
                table[c] = c * Math.Log2(c);
            }

            return table;
        }
    }

    public static double ComputePrintableRatio(ReadOnlySpan<byte> data)
    {
        Span<int> counts = stackalloc int[256];
        counts.Clear();
        foreach (byte b in data)
        {
            counts[b]++;
        }

        return PrintableFromCounts(counts, data.Length);
    }

    private static double PrintableFromCounts(ReadOnlySpan<int> counts, int n)
    {
        if (n == 0)
        {
            return 0;
        }

        int printable = counts['\r'] + counts['\n'] + counts['\t'];
        foreach (int c in counts[0x20..0x7F])
        {
            printable += c;
        }

        return (double)printable / n;
    }

    /// <summary>
    /// The stable part of the first message: for text, its first token; for binary, its first 4 bytes; for
    /// encrypted-looking data, only its size class — plus transport, direction and guess. Bytes of a token are
    /// taken as Latin-1 characters (UTF-8 encoded), as they always were.
    /// </summary>
    private static int BuildShape(ReadOnlySpan<byte> first, string guess, byte speaker, Transport transport, Span<byte> d)
    {
        int n = 0;
        (transport == Transport.Tcp ? "tcp/"u8 : "udp/"u8).CopyTo(d);
        n += 4;
        d[n++] = speaker;
        d[n++] = (byte)'/';
        n += Encoding.ASCII.GetBytes(guess, d[n..]);
        d[n++] = (byte)'/';
        switch (guess)
        {
            case TextGuess:
                {
                    int end = first.IndexOfAny(" \r\n\t"u8);
                    var token = first[..Math.Min(end < 0 ? first.Length : end, MaxShapeToken)];
                    foreach (byte b in token)
                    {
                        if (b is >= (byte)'0' and <= (byte)'9')
                        {
                            d[n++] = (byte)'9';
                        }
                        else if (b < 0x80)
                        {
                            d[n++] = b;
                        }
                        else
                        {
                            d[n++] = (byte)(0xC0 | (b >> 6));
                            d[n++] = (byte)(0x80 | (b & 0x3F));
                        }
                    }

                    break;
                }

            case BinaryGuess:
                n += Hex.EncodeLower(first[..Math.Min(4, first.Length)], d[n..]);
                "/len"u8.CopyTo(d[n..]);
                n += 4;
                SizeClass(first.Length).TryFormat(d[n..], out int digits);
                n += digits;
                break;

            case EncryptedGuess:
                "len"u8.CopyTo(d[n..]);
                n += 3;
                SizeClass(first.Length).TryFormat(d[n..], out digits);
                n += digits;
                break;
        }

        return n;
    }

    private static int SizeClass(int length) => length <= 0 ? 0 : 1 << (int)Math.Ceiling(Math.Log2(length));

    /// <summary>Printable ASCII kept, <c>\r \n \t \\</c> escaped, others as <c>\xHH</c>; returns bytes written (≤ 4 per byte).</summary>
    private static int EscapeText(ReadOnlySpan<byte> bytes, Span<byte> d)
    {
        int n = 0;
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\r': d[n++] = (byte)'\\'; d[n++] = (byte)'r'; break;
                case (byte)'\n': d[n++] = (byte)'\\'; d[n++] = (byte)'n'; break;
                case (byte)'\t': d[n++] = (byte)'\\'; d[n++] = (byte)'t'; break;
                case (byte)'\\': d[n++] = (byte)'\\'; d[n++] = (byte)'\\'; break;
                case >= 0x20 and < 0x7F: d[n++] = b; break;
                default:
                    d[n++] = (byte)'\\';
                    d[n++] = (byte)'x';
                    n += Hex.EncodeLower([b], d[n..]);
                    break;
            }
        }

        return n;
    }

    private void WriteShapeHash(Span<byte> hex16)
    {
        Span<byte> raw = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(raw, _shapeHash);
        Hex.EncodeLower(raw, hex16);
    }

    /// <summary>Writes "shape (shape_hash)" as UTF-8 (the port summary's key); returns bytes written (≤ 83).</summary>
    public int FormatShapeKey(Span<byte> destination)
    {
        ShapeUtf8.CopyTo(destination);
        int n = _shapeLength;
        destination[n++] = (byte)' ';
        destination[n++] = (byte)'(';
        WriteShapeHash(destination.Slice(n, 16));
        n += 16;
        destination[n++] = (byte)')';
        return n;
    }

    /// <summary>Writes <c>"unknown": {...}</c>.</summary>
    public void Write(Utf8JsonWriter w) => Write(w, PayloadSizes);

    public void Write(Utf8JsonWriter w, ReadOnlySpan<int> payloadSizes)
    {
        Span<byte> scratch = stackalloc byte[FirstBytesShown * 4];
        w.WriteStartObject(JsonNames.Unknown);
        Output.JsonStringCache.WriteString(w, JsonNames.Guess, Guess);
        w.WriteNumber(JsonNames.Entropy, Entropy);
        w.WriteNumber(JsonNames.PrintableRatio, PrintableRatio);
        if (TryWriteRest(w, payloadSizes, scratch))
        {
            w.WriteEndObject();
            return;
        }

        if (_firstBytesLength > 0)
        {
            w.WriteStartObject(JsonNames.FirstBytes);
            w.WriteString(JsonNames.Hex, scratch[..Hex.EncodeLower(FirstBytes, scratch)]);
            w.WriteString(JsonNames.Text, scratch[..EscapeText(FirstBytes, scratch)]);
            w.WriteEndObject();
        }

        w.WriteStartArray(JsonNames.PayloadSizes);
        foreach (int s in payloadSizes)
        {
            w.WriteNumberValue(s);
        }

        w.WriteEndArray();
        w.WriteNumber(JsonNames.ClientBytesInspected, ClientBytesSeen);
        w.WriteNumber(JsonNames.ServerBytesInspected, ServerBytesSeen);
        w.WriteString(JsonNames.Shape, ShapeUtf8);
        WriteShapeHash(scratch[..16]);
        w.WriteString(JsonNames.ShapeHash, scratch[..16]);
        w.WriteEndObject();
    }

    /// <summary>
    /// <c>first_bytes</c> to <c>shape_hash</c> as one raw run (hex, ASCII text, numbers: no writer call per
    /// property); false, with nothing written, when the shape is not ASCII or the run would not fit.
    /// </summary>
    private bool TryWriteRest(Utf8JsonWriter w, ReadOnlySpan<int> payloadSizes, Span<byte> scratch)
    {
        Span<byte> raw = stackalloc byte[1024];
        var r = new Output.RawJson(raw);
        if (payloadSizes.Length > Flow.MaxPayloadSizes)
        {
            return false;
        }

        if (_firstBytesLength > 0)
        {
            r.Property("\"first_bytes\":{\"hex\":"u8);
            r.AppendQuoted(scratch[..Hex.EncodeLower(FirstBytes, scratch)]);
            r.Append(",\"text\":"u8);
            if (!r.TryAppendQuotedAscii(scratch[..EscapeText(FirstBytes, scratch)]))
            {
                return false;
            }

            r.Append((byte)'}');
        }

        r.Property("\"payload_sizes\":["u8);
        for (int i = 0; i < payloadSizes.Length; i++)
        {
            if (i > 0)
            {
                r.Append((byte)',');
            }

            r.Append(payloadSizes[i]);
        }

        r.Append((byte)']');
        r.Append(",\"client_bytes_inspected\":"u8);
        r.Append(ClientBytesSeen);
        r.Append(",\"server_bytes_inspected\":"u8);
        r.Append(ServerBytesSeen);
        r.Append(",\"shape\":"u8);
        if (r.Remaining < 64 || !r.TryAppendQuotedAscii(ShapeUtf8))
        {
            return false;
        }

        WriteShapeHash(scratch[..16]);
        r.Append(",\"shape_hash\":"u8);
        r.AppendQuoted(scratch[..16]);
        r.WriteTo(w);
        return true;
    }

    [InlineArray(FirstBytesShown)]
    private struct FirstBytesBuffer
    {
        private byte _element;
    }

    [InlineArray(MaxShapeBytes)]
    private struct ShapeBuffer
    {
        private byte _element;
    }
}

/// <summary>Property names of this file's records, encoded once (a "…"u8 name is scanned for escaping on every call).</summary>
file static class JsonNames
{
    public static readonly JsonEncodedText ClientBytesInspected = JsonEncodedText.Encode("client_bytes_inspected");
    public static readonly JsonEncodedText Entropy = JsonEncodedText.Encode("entropy");
    public static readonly JsonEncodedText FirstBytes = JsonEncodedText.Encode("first_bytes");
    public static readonly JsonEncodedText Guess = JsonEncodedText.Encode("guess");
    public static readonly JsonEncodedText Hex = JsonEncodedText.Encode("hex");
    public static readonly JsonEncodedText PayloadSizes = JsonEncodedText.Encode("payload_sizes");
    public static readonly JsonEncodedText PrintableRatio = JsonEncodedText.Encode("printable_ratio");
    public static readonly JsonEncodedText ServerBytesInspected = JsonEncodedText.Encode("server_bytes_inspected");
    public static readonly JsonEncodedText Shape = JsonEncodedText.Encode("shape");
    public static readonly JsonEncodedText ShapeHash = JsonEncodedText.Encode("shape_hash");
    public static readonly JsonEncodedText Text = JsonEncodedText.Encode("text");
    public static readonly JsonEncodedText Unknown = JsonEncodedText.Encode("unknown");
}
