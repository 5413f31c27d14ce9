using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Sniffer.Fingerprinting.Tls;

public enum TlsParseStatus : byte
{
    Invalid,
    NeedMoreData,
    Done,
}

/// <summary>
/// Reads the first handshake message of a TLS (or DTLS-less) byte stream: walks handshake records (content type
/// 22), joins a message that spans several records, and returns its type and body. The fast path slices the
/// first record; a message split over records is copied into a pooled buffer.
/// </summary>
public static class TlsRecordReader
{
    public const byte ContentChangeCipherSpec = 20;
    public const byte ContentAlert = 21;
    public const byte ContentHandshake = 22;
    public const byte ContentApplicationData = 23;
    /// <summary>Largest TLS record body (2^14 + 2048, RFC 8446 §5.2).</summary>
    public const int MaxRecordLength = 16384 + 2048;
    /// <summary>Largest first handshake message accepted (a ClientHello with post-quantum key shares is ~2 KB).</summary>
    public const int MaxHandshakeLength = 65536;

    /// <summary>Checks the 5-byte record header shape: content type, version 3.x, length.</summary>
    public static TlsParseStatus CheckRecordHeader(ReadOnlySpan<byte> s, byte contentType)
    {
        if (s.IsEmpty)
        {
            return TlsParseStatus.NeedMoreData;
        }

        if (s[0] != contentType)
        {
            return TlsParseStatus.Invalid;
        }

        if (s.Length < 2)
        {
            return TlsParseStatus.NeedMoreData;
        }

        if (s[1] != 3)
        {
            return TlsParseStatus.Invalid;
        }

        if (s.Length < 3)
        {
            return TlsParseStatus.NeedMoreData;
        }

        if (s[2] > 4)
        {
            return TlsParseStatus.Invalid;
        }

        if (s.Length < 5)
        {
            return TlsParseStatus.NeedMoreData;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        return length is 0 or > MaxRecordLength ? TlsParseStatus.Invalid : TlsParseStatus.Done;
    }

    /// <summary>
    /// Gets the first handshake message. On success, <paramref name="message"/> holds type (1 byte), length (3) and
    /// body; if it had to be joined across records, <paramref name="rented"/> must be returned to ArrayPool.Shared.
    /// <paramref name="declaredLength"/> is its length even when the message is incomplete.
    /// </summary>
    public static TlsParseStatus TryGetFirstHandshake(ReadOnlySpan<byte> s, out ReadOnlySpan<byte> message, out byte[]? rented, out int declaredLength)
    {
        message = default;
        rented = null;
        declaredLength = -1;
        var header = CheckRecordHeader(s, ContentHandshake);
        if (header != TlsParseStatus.Done)
        {
            return header;
        }

        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(s[3..]);
        var first = s.Slice(5, Math.Min(recordLength, s.Length - 5));
        if (first.Length < 4)
        {
            return s.Length >= 5 + recordLength ? TlsParseStatus.Invalid : TlsParseStatus.NeedMoreData;
        }

        declaredLength = (first[1] << 16) | (first[2] << 8) | first[3];
        if (declaredLength > MaxHandshakeLength)
        {
            return TlsParseStatus.Invalid;
        }

        int total = 4 + declaredLength;
        if (first.Length >= total)
        {
            message = first[..total];
            return TlsParseStatus.Done;
        }

        if (s.Length < 5 + recordLength)
        {
            return TlsParseStatus.NeedMoreData;
        }

        // The message continues in the following handshake records.
        rented = ArrayPool<byte>.Shared.Rent(total);
        first.CopyTo(rented);
        int have = first.Length;
        int offset = 5 + recordLength;
        while (have < total)
        {
            var next = s[offset..];
            var status = CheckRecordHeader(next, ContentHandshake);
            if (status != TlsParseStatus.Done)
            {
                ArrayPool<byte>.Shared.Return(rented);
                rented = null;
                return status;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(next[3..]);
            var body = next.Slice(5, Math.Min(length, next.Length - 5));
            int take = Math.Min(body.Length, total - have);
            body[..take].CopyTo(rented.AsSpan(have));
            have += take;
            if (body.Length < length && have < total)
            {
                ArrayPool<byte>.Shared.Return(rented);
                rented = null;
                return TlsParseStatus.NeedMoreData;
            }

            offset += 5 + length;
        }

        message = rented.AsSpan(0, total);
        return TlsParseStatus.Done;
    }
}


/// <summary>
/// Span parser for ClientHello (RFC 8446 §4.1.2) and ServerHello (§4.1.3) bodies. Values go into a per-thread
/// scratch (no list per hello), and the hello's shape — everything but the server name — is interned per worker
/// (<see cref="TlsHelloShapes"/>): a flow of known software allocates its <see cref="TlsHello"/> and nothing else.
/// </summary>
public static class TlsHelloParser
{
    public const byte HandshakeClientHello = 1;
    public const byte HandshakeServerHello = 2;
    /// <summary>Longest server name kept.</summary>
    public const int MaxServerNameLength = 255;
    /// <summary>Longest ALPN protocol id kept (registered ids are at most 17 bytes; the wire allows 255).</summary>
    public const int MaxAlpnLength = 64;

    public const ushort ExtServerName = 0x0000;
    public const ushort ExtSupportedGroups = 0x000a;
    public const ushort ExtPointFormats = 0x000b;
    public const ushort ExtSignatureAlgorithms = 0x000d;
    public const ushort ExtAlpn = 0x0010;
    public const ushort ExtSupportedVersions = 0x002b;

    [ThreadStatic]
    private static TlsHelloScratch? t_scratch;

    /// <summary>GREASE values (RFC 8701): 0x?a?a with both bytes equal.</summary>
    public static bool IsGrease(ushort v) => (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);

    /// <summary>Validates the structure of a hello message (type + 3-byte length + body) without allocating.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> message, byte expectedType) => Walk(message, expectedType, null);

    /// <summary>Parses a complete hello message into a <see cref="TlsHello"/>, or null when malformed.</summary>
    public static TlsHello? Parse(ReadOnlySpan<byte> message, byte expectedType) => Parse(message, expectedType, 0);

    /// <summary>
    /// As <see cref="Parse(ReadOnlySpan{byte}, byte)"/>; a non-zero <paramref name="legacyVersion"/> replaces the
    /// message's (DTLS hellos are rewritten into TLS shape with version 0x0303 and keep their own).
    /// </summary>
    internal static TlsHello? Parse(ReadOnlySpan<byte> message, byte expectedType, ushort legacyVersion)
    {
        var scratch = t_scratch ??= new TlsHelloScratch();
        scratch.Reset(expectedType == HandshakeClientHello);
        try
        {
            if (!Walk(message, expectedType, scratch))
            {
                return null;
            }

            if (legacyVersion != 0)
            {
                scratch.LegacyVersion = legacyVersion;
            }

            return new TlsHello(TlsHelloShapes.Get(scratch), scratch.ServerName);
        }
        finally
        {
            scratch.Release();
        }
    }

    private static bool Walk(ReadOnlySpan<byte> m, byte expectedType, TlsHelloScratch? hello)
    {
        if (m.Length < 4 || m[0] != expectedType)
        {
            return false;
        }

        var r = new SpanReader(m[4..]);
        if (!r.TryU16(out ushort version) || (version >> 8) != 3 || !r.Skip(32))
        {
            return false;
        }

        if (hello is not null)
        {
            hello.LegacyVersion = version;
        }

        if (!r.TryU8(out byte sessionLength) || sessionLength > 32 || !r.Skip(sessionLength))
        {
            return false;
        }

        if (expectedType == HandshakeClientHello)
        {
            if (!r.TryVector16(out var ciphers) || ciphers.Length < 2 || (ciphers.Length & 1) != 0)
            {
                return false;
            }

            hello?.AddU16(TlsHelloShape.CipherList, ciphers);
            if (!r.TryU8(out byte compressionLength) || compressionLength == 0 || !r.Skip(compressionLength))
            {
                return false;
            }
        }
        else
        {
            if (!r.TryU16(out ushort cipher) || !r.TryU8(out _))
            {
                return false;
            }

            hello?.Add(TlsHelloShape.CipherList, cipher);
        }

        if (r.Remaining == 0)
        {
            return true; // no extensions (SSLv3/TLS 1.0 era)
        }

        if (!r.TryVector16(out var extensions) || r.Remaining != 0)
        {
            return false;
        }

        var e = new SpanReader(extensions);
        int count = 0;
        while (e.Remaining > 0)
        {
            if (!e.TryU16(out ushort type) || !e.TryVector16(out var data) || ++count > TlsHello.MaxListEntries)
            {
                return false;
            }

            if (hello is not null && !ReadExtension(hello, type, data))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ReadExtension(TlsHelloScratch hello, ushort type, ReadOnlySpan<byte> data)
    {
        hello.Add(TlsHelloShape.ExtensionList, type);
        var d = new SpanReader(data);
        switch (type)
        {
            case ExtServerName when hello.IsClient:
                {
                    if (!d.TryVector16(out var list))
                    {
                        return false;
                    }

                    var l = new SpanReader(list);
                    while (l.Remaining > 0)
                    {
                        if (!l.TryU8(out byte nameType) || !l.TryVector16(out var name))
                        {
                            return false;
                        }

                        if (nameType == 0 && hello.ServerName is null)
                        {
                            hello.ServerName = WireText.Decode(name, MaxServerNameLength);
                        }
                    }

                    break;
                }

            case ExtSupportedGroups:
                if (d.TryVector16(out var groups))
                {
                    hello.AddU16(TlsHelloShape.GroupList, groups);
                }

                break;

            case ExtPointFormats:
                if (d.TryVector8(out var formats))
                {
                    foreach (byte f in formats)
                    {
                        hello.Add(TlsHelloShape.PointFormatList, f);
                    }
                }

                break;

            case ExtSignatureAlgorithms:
                if (d.TryVector16(out var algorithms))
                {
                    hello.AddU16(TlsHelloShape.SignatureList, algorithms);
                }

                break;

            case ExtAlpn:
                {
                    if (!d.TryVector16(out var protocols))
                    {
                        return false;
                    }

                    var p = new SpanReader(protocols);
                    while (p.Remaining > 0 && hello.AlpnCount < TlsHello.MaxAlpnEntries)
                    {
                        if (!p.TryVector8(out var proto) || proto.IsEmpty)
                        {
                            return false;
                        }

                        hello.AddAlpn(proto);
                    }

                    break;
                }

            case ExtSupportedVersions:
                if (hello.IsClient)
                {
                    if (d.TryVector8(out var versions))
                    {
                        hello.AddU16(TlsHelloShape.VersionList, versions);
                    }
                }
                else if (d.TryU16(out ushort selected))
                {
                    hello.Add(TlsHelloShape.VersionList, selected);
                }

                break;
        }

        return true;
    }

    /// <summary>A bounds-checked cursor over a span (a ref struct: no allocation).</summary>
    private ref struct SpanReader
    {
        private ReadOnlySpan<byte> _s;

        public SpanReader(ReadOnlySpan<byte> s) => _s = s;

        public readonly int Remaining => _s.Length;

        public bool Skip(int n)
        {
            if (_s.Length < n)
            {
                return false;
            }

            _s = _s[n..];
            return true;
        }

        public bool TryU8(out byte v)
        {
            v = 0;
            if (_s.IsEmpty)
            {
                return false;
            }

            v = _s[0];
            _s = _s[1..];
            return true;
        }

        public bool TryU16(out ushort v)
        {
            v = 0;
            if (_s.Length < 2)
            {
                return false;
            }

            v = BinaryPrimitives.ReadUInt16BigEndian(_s);
            _s = _s[2..];
            return true;
        }

        public bool TryVector8(out ReadOnlySpan<byte> v)
        {
            v = default;
            if (!TryU8(out byte n) || _s.Length < n)
            {
                return false;
            }

            v = _s[..n];
            _s = _s[n..];
            return true;
        }

        public bool TryVector16(out ReadOnlySpan<byte> v)
        {
            v = default;
            if (!TryU16(out ushort n) || _s.Length < n)
            {
                return false;
            }

            v = _s[..n];
            _s = _s[n..];
            return true;
        }
    }
}

/// <summary>
/// One hello being parsed, per thread: each list in a fixed segment of <see cref="TlsHello.MaxListEntries"/>
/// values (extensions interleave them: a list grows while the next one is read), the ALPN ids raw. Reused for
/// every hello, so parsing allocates nothing until the shape is looked up.
/// </summary>
internal sealed class TlsHelloScratch
{
    /// <summary>Largest shape key: header, every list full, every ALPN id at its wire maximum (length byte + 255).</summary>
    public const int MaxKeyLength = HeaderLength + (2 * TlsHelloShape.Lists * TlsHello.MaxListEntries) + (TlsHello.MaxAlpnEntries * 256);
    public const int HeaderLength = 4 + (2 * TlsHelloShape.Lists);

    public readonly ushort[] Values = new ushort[TlsHelloShape.Lists * TlsHello.MaxListEntries];
    public readonly int[] Counts = new int[TlsHelloShape.Lists];
    /// <summary>ALPN ids as on the wire, each after its length byte (part of the shape key).</summary>
    public readonly byte[] AlpnWire = new byte[TlsHello.MaxAlpnEntries * 256];
    /// <summary>ALPN ids longer than <see cref="TlsHelloParser.MaxAlpnLength"/>, decoded while parsing (see <see cref="AddAlpn"/>).</summary>
    public readonly string?[] LongAlpn = new string?[TlsHello.MaxAlpnEntries];
    public readonly byte[] Key = new byte[MaxKeyLength];
    public bool IsClient;
    public ushort LegacyVersion;
    public string? ServerName;
    public int AlpnCount;
    public int AlpnWireLength;
    public int AlpnFirstLast;

    public void Reset(bool isClient)
    {
        IsClient = isClient;
        LegacyVersion = 0;
        ServerName = null;
        AlpnCount = 0;
        AlpnWireLength = 0;
        AlpnFirstLast = 0;
        Array.Clear(Counts);
    }

    /// <summary>Drops the references the last hello left (the scratch lives as long as its thread).</summary>
    public void Release()
    {
        ServerName = null;
        if (AlpnCount > 0)
        {
            Array.Clear(LongAlpn);
        }
    }

    /// <summary>Appends a value; a list already at <see cref="TlsHello.MaxListEntries"/> keeps its first values.</summary>
    public void Add(int list, ushort value)
    {
        int n = Counts[list];
        if (n < TlsHello.MaxListEntries)
        {
            Values[(list * TlsHello.MaxListEntries) + n] = value;
            Counts[list] = n + 1;
        }
    }

    /// <summary>Appends the big-endian 16-bit values of <paramref name="data"/> (an odd last byte is ignored).</summary>
    public void AddU16(int list, ReadOnlySpan<byte> data)
    {
        int n = Counts[list];
        int take = Math.Min(data.Length / 2, TlsHello.MaxListEntries - n);
        if (take <= 0)
        {
            return;
        }

        // One vectorised byte swap for the whole list (cipher suites, groups, signature algorithms: 10–40 values).
        var source = MemoryMarshal.Cast<byte, ushort>(data[..(2 * take)]);
        var destination = Values.AsSpan((list * TlsHello.MaxListEntries) + n, take);
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(source, destination);
        }
        else
        {
            source.CopyTo(destination);
        }

        Counts[list] = n + take;
    }

    /// <summary>
    /// Keeps an ALPN id (1–255 bytes) raw. One longer than the kept limit is decoded now, as it always was, so the
    /// cut is counted for this flow (<see cref="WireText.Truncations"/>) even when the shape is found interned.
    /// </summary>
    public void AddAlpn(ReadOnlySpan<byte> proto)
    {
        if (AlpnCount == 0)
        {
            AlpnFirstLast = TlsHelloShape.AlpnEnds(proto[0], proto[^1]);
        }

        if (proto.Length > TlsHelloParser.MaxAlpnLength)
        {
            LongAlpn[AlpnCount] = WireText.Decode(proto, TlsHelloParser.MaxAlpnLength);
        }

        AlpnWire[AlpnWireLength] = (byte)proto.Length;
        proto.CopyTo(AlpnWire.AsSpan(AlpnWireLength + 1));
        AlpnWireLength += 1 + proto.Length;
        AlpnCount++;
    }

    public ReadOnlySpan<ushort> List(int list) => Values.AsSpan(list * TlsHello.MaxListEntries, Counts[list]);

    /// <summary>The shape's identity: side, version, list lengths, the lists, the ALPN ids raw.</summary>
    public ReadOnlySpan<byte> BuildKey()
    {
        var k = Key.AsSpan();
        k[0] = IsClient ? (byte)1 : (byte)0;
        k[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(k[2..], LegacyVersion);
        int n = HeaderLength;
        for (int list = 0; list < TlsHelloShape.Lists; list++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(k[(4 + (2 * list))..], (ushort)Counts[list]);
            var bytes = MemoryMarshal.AsBytes(List(list));
            bytes.CopyTo(k[n..]);
            n += bytes.Length;
        }

        AlpnWire.AsSpan(0, AlpnWireLength).CopyTo(k[n..]);
        return k[..(n + AlpnWireLength)];
    }

    /// <summary>A new shape from the scratch (a miss in <see cref="TlsHelloShapes"/>).</summary>
    public TlsHelloShape ToShape()
    {
        int total = 0;
        foreach (int c in Counts)
        {
            total += c;
        }

        var values = new ushort[total];
        int n = 0;
        for (int list = 0; list < TlsHelloShape.Lists; list++)
        {
            List(list).CopyTo(values.AsSpan(n));
            n += Counts[list];
        }

        string[] alpn = AlpnCount == 0 ? [] : new string[AlpnCount];
        for (int i = 0, at = 0; i < AlpnCount; i++)
        {
            int length = AlpnWire[at];
            alpn[i] = LongAlpn[i] ?? WireText.Decode(AlpnWire.AsSpan(at + 1, length), TlsHelloParser.MaxAlpnLength);
            at += 1 + length;
        }

        return new TlsHelloShape(IsClient, LegacyVersion, values, Counts, alpn, AlpnFirstLast);
    }
}

/// <summary>
/// Per-worker intern table of hello shapes, direct-mapped and bounded like <c>Caching/DigestCache</c>: a hit
/// compares the whole key, so a flow gets a shape equal to what it sent; an evicted shape stays alive as long as a
/// flow references it. Flows of one software then share the lists, fingerprints and pre-encoded JSON.
/// </summary>
internal static class TlsHelloShapes
{
    /// <summary>Shapes kept per worker (a power of two).</summary>
    public const int Slots = 256;

    private sealed class Entry
    {
        public required ulong Hash;
        public required byte[] Key;
        public required TlsHelloShape Shape;
    }

    [ThreadStatic]
    private static Entry?[]? t_entries;

    public static TlsHelloShape Get(TlsHelloScratch scratch)
    {
        var key = scratch.BuildKey();
        ulong hash = Caching.FastHash.Compute(key);
        var entries = t_entries ??= new Entry?[Slots];
        ref var slot = ref entries[(int)(hash & (Slots - 1))];
        if (slot is { } hit && hit.Hash == hash && key.SequenceEqual(hit.Key))
        {
            hit.Shape.Shared = true;
            return hit.Shape;
        }

        var shape = scratch.ToShape();
        slot = new Entry { Hash = hash, Key = key.ToArray(), Shape = shape };
        return shape;
    }
}
