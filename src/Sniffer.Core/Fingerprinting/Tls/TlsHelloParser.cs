using System.Buffers;
using System.Buffers.Binary;

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

/// <summary>The fields of a ClientHello or ServerHello that identification and fingerprints use.</summary>
public sealed class TlsHello
{
    public const int MaxListEntries = 256;

    public bool IsClient { get; init; }
    public ushort LegacyVersion { get; set; }
    public List<ushort> CipherSuites { get; } = [];
    public List<ushort> Extensions { get; } = [];
    public List<ushort> SupportedGroups { get; } = [];
    public List<byte> PointFormats { get; } = [];
    public List<ushort> SignatureAlgorithms { get; } = [];
    public List<ushort> SupportedVersions { get; } = [];
    public List<string> Alpn { get; } = [];
    /// <summary>First ALPN value's raw bytes (JA4 looks at its first and last byte).</summary>
    public byte[]? FirstAlpnRaw { get; set; }
    public string? ServerName { get; set; }
}

/// <summary>Span parser for ClientHello (RFC 8446 §4.1.2) and ServerHello (§4.1.3) bodies.</summary>
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

    /// <summary>GREASE values (RFC 8701): 0x?a?a with both bytes equal.</summary>
    public static bool IsGrease(ushort v) => (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);

    /// <summary>Validates the structure of a hello message (type + 3-byte length + body) without allocating.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> message, byte expectedType) => Walk(message, expectedType, null);

    /// <summary>Parses a complete hello message into a <see cref="TlsHello"/>, or null when malformed.</summary>
    public static TlsHello? Parse(ReadOnlySpan<byte> message, byte expectedType)
    {
        var hello = new TlsHello { IsClient = expectedType == HandshakeClientHello };
        return Walk(message, expectedType, hello) ? hello : null;
    }

    private static bool Walk(ReadOnlySpan<byte> m, byte expectedType, TlsHello? hello)
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

            if (hello is not null)
            {
                for (int i = 0; i + 1 < ciphers.Length && hello.CipherSuites.Count < TlsHello.MaxListEntries; i += 2)
                {
                    hello.CipherSuites.Add(BinaryPrimitives.ReadUInt16BigEndian(ciphers[i..]));
                }
            }

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

            hello?.CipherSuites.Add(cipher);
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

    private static bool ReadExtension(TlsHello hello, ushort type, ReadOnlySpan<byte> data)
    {
        hello.Extensions.Add(type);
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
                    AddU16(hello.SupportedGroups, groups);
                }

                break;

            case ExtPointFormats:
                if (d.TryVector8(out var formats))
                {
                    foreach (byte f in formats)
                    {
                        hello.PointFormats.Add(f);
                    }
                }

                break;

            case ExtSignatureAlgorithms:
                if (d.TryVector16(out var algorithms))
                {
                    AddU16(hello.SignatureAlgorithms, algorithms);
                }

                break;

            case ExtAlpn:
                {
                    if (!d.TryVector16(out var protocols))
                    {
                        return false;
                    }

                    var p = new SpanReader(protocols);
                    while (p.Remaining > 0 && hello.Alpn.Count < 16)
                    {
                        if (!p.TryVector8(out var proto) || proto.IsEmpty)
                        {
                            return false;
                        }

                        hello.FirstAlpnRaw ??= proto.ToArray();
                        hello.Alpn.Add(WireText.Decode(proto, MaxAlpnLength));
                    }

                    break;
                }

            case ExtSupportedVersions:
                if (hello.IsClient)
                {
                    if (d.TryVector8(out var versions))
                    {
                        AddU16(hello.SupportedVersions, versions);
                    }
                }
                else if (d.TryU16(out ushort selected))
                {
                    hello.SupportedVersions.Add(selected);
                }

                break;
        }

        return true;
    }

    private static void AddU16(List<ushort> list, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i + 1 < data.Length && list.Count < TlsHello.MaxListEntries; i += 2)
        {
            list.Add(BinaryPrimitives.ReadUInt16BigEndian(data[i..]));
        }
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
