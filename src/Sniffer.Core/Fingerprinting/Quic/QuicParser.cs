using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Fingerprinting.Quic;

/// <summary>Which family a QUIC version belongs to (how its first packet is laid out and protected).</summary>
public enum QuicFamily : byte
{
    None = 0,
    /// <summary>IETF QUIC (v1, v2, drafts): TLS 1.3 ClientHello in CRYPTO frames of an AEAD-protected Initial.</summary>
    Ietf = 1,
    /// <summary>Google QUIC Q046 (and Q043-era long header): nibble-encoded CID lengths, cleartext CHLO.</summary>
    GoogleNibble = 2,
    /// <summary>Google QUIC Q050/T05x: IETF invariant header, payload protected with Google's own salts.</summary>
    GoogleInvariant = 3,
    /// <summary>Google QUIC Q043 and older: public header (flags, 8-byte CID, version), cleartext CHLO.</summary>
    GooglePublicHeader = 4,
    /// <summary>A Version Negotiation packet (version 0) from a server.</summary>
    VersionNegotiation = 5,
}

/// <summary>The fields of the first packet of a datagram (spans into the datagram: no allocation).</summary>
public ref struct QuicPacket
{
    public QuicFamily Family;
    public uint Version;
    public bool IsInitial;
    public ReadOnlySpan<byte> Dcid;
    public ReadOnlySpan<byte> Scid;
    /// <summary>Offset of the packet number (IETF long header), or of the bytes after the public header (gQUIC).</summary>
    public int PayloadOffset;
    /// <summary>Offset just past the first packet (IETF long header: PayloadOffset + Length).</summary>
    public int PacketEnd;
}

/// <summary>
/// QUIC (RFC 8999/9000/9001, RFC 9369, draft-29, Google QUIC Q043/Q046/Q050/T05x): header validation, Initial
/// key derivation and payload decryption, CRYPTO frame reassembly, gQUIC CHLO tag parsing.
/// </summary>
public static class QuicParser
{
    /// <summary>Smallest datagram carrying a client Initial (RFC 9000 §14.1).</summary>
    public const int MinClientInitialDatagram = 1200;
    /// <summary>Longest connection ID (RFC 9000 §17.2).</summary>
    public const int MaxConnectionIdLength = 20;
    /// <summary>Largest UDP payload considered.</summary>
    public const int MaxDatagram = 65527;
    /// <summary>Bytes of TLS handshake data reassembled from the first Initial (a ClientHello rarely exceeds 4 KiB, 8 KiB with PQ shares).</summary>
    public const int MaxCryptoBytes = 16384;
    /// <summary>Most CRYPTO frames taken from one packet.</summary>
    public const int MaxCryptoFrames = 64;
    /// <summary>Most frames walked in one packet.</summary>
    public const int MaxFrames = 512;
    /// <summary>Most ACK ranges accepted in one ACK frame.</summary>
    public const int MaxAckRanges = 64;
    /// <summary>AEAD tag length (AES-128-GCM).</summary>
    public const int TagLength = 16;
    /// <summary>Header protection sample length.</summary>
    public const int SampleLength = 16;
    /// <summary>How far into a gQUIC packet the CHLO tag is searched.</summary>
    public const int MaxChloSearch = 96;
    /// <summary>Most tags in a CHLO tag map.</summary>
    public const int MaxChloTags = 64;
    /// <summary>Longest gQUIC tag value kept as text.</summary>
    public const int MaxChloValue = 256;

    public const uint Version1 = 0x00000001;
    public const uint Version2 = 0x6b3343cf;
    public const uint Draft29 = 0xff00001d;

    private static ReadOnlySpan<byte> SaltV1 => [0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a];
    private static ReadOnlySpan<byte> SaltV2 => [0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9];
    private static ReadOnlySpan<byte> SaltDraft29 => [0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99];

    // Google QUIC with IETF invariants (Chromium quic_versions.cc; the same values as Wireshark and nDPI).
    private static ReadOnlySpan<byte> SaltQ050 => [0x50, 0x45, 0x74, 0xef, 0xd0, 0x66, 0xfe, 0x2f, 0x9d, 0x94, 0x5c, 0xfc, 0xdb, 0xd3, 0xa7, 0xf0, 0xd3, 0xb5, 0x6b, 0x45];
    private static ReadOnlySpan<byte> SaltT050 => [0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80, 0x30, 0x4c, 0x43, 0xa2, 0x36, 0x7c, 0x60, 0x48, 0x83, 0x10];
    private static ReadOnlySpan<byte> SaltT051 => [0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50, 0x6c, 0x19, 0x12, 0x4f, 0xc8, 0xcc, 0xda, 0x6e, 0x03, 0x3d];

    public const uint VersionQ050 = 0x51303530;
    public const uint VersionT050 = 0x54303530;
    public const uint VersionT051 = 0x54303531;

    /// <summary>The versions whose Initial keys are known, with their salt; false for anything else.</summary>
    public static bool TryGetSalt(uint version, out ReadOnlySpan<byte> salt, out bool v2Labels)
    {
        v2Labels = false;
        switch (version)
        {
            case Version1:
            case 0xff000021: // draft-33
            case 0xff000022: // draft-34
                salt = SaltV1;
                return true;
            case Version2:
                salt = SaltV2;
                v2Labels = true;
                return true;
            case >= Draft29 and <= 0xff000020: // draft-29 .. draft-32
                salt = SaltDraft29;
                return true;
            case VersionQ050:
                salt = SaltQ050;
                return true;
            case VersionT050:
                salt = SaltT050;
                return true;
            case VersionT051:
                salt = SaltT051;
                return true;
            default:
                salt = default;
                return false;
        }
    }

    /// <summary>"Q046", "T051"...: Google QUIC version tags ('Q' or 'T', '0', two digits).</summary>
    public static bool IsGoogleVersion(uint v)
    {
        byte a = (byte)(v >> 24), b = (byte)(v >> 16), c = (byte)(v >> 8), d = (byte)v;
        return (a == 'Q' || a == 'T') && b == '0' && char.IsAsciiDigit((char)c) && char.IsAsciiDigit((char)d);
    }

    /// <summary>Name written to sniffer.quic.version: "1", "2", "draft-29", "Q046"...</summary>
    public static string VersionName(uint v) => v switch
    {
        Version1 => "1",
        Version2 => "2",
        0 => "negotiation",
        _ when (v >> 8) == 0xff0000 => "draft-" + (v & 0xff).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ when IsGoogleVersion(v) => string.Create(4, v, static (s, x) =>
        {
            s[0] = (char)(byte)(x >> 24);
            s[1] = (char)(byte)(x >> 16);
            s[2] = (char)(byte)(x >> 8);
            s[3] = (char)(byte)x;
        }),
        _ => "0x" + v.ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Reads a QUIC variable-length integer (RFC 9000 §16).</summary>
    public static bool TryReadVarint(ReadOnlySpan<byte> s, ref int pos, out ulong value)
    {
        value = 0;
        if ((uint)pos >= (uint)s.Length)
        {
            return false;
        }

        int length = 1 << (s[pos] >> 6);
        if (s.Length - pos < length)
        {
            return false;
        }

        value = (ulong)(s[pos] & 0x3f);
        for (int i = 1; i < length; i++)
        {
            value = (value << 8) | s[pos + i];
        }

        pos += length;
        return true;
    }

    /// <summary>
    /// Validates the first packet of a datagram without allocating: a long-header packet of a known IETF or
    /// Google version (connection IDs ≤ 20 bytes, token and length within the datagram), a gQUIC public header
    /// with a "Q0xx" version, or a Version Negotiation packet listing a known version.
    /// </summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> d, out QuicPacket p)
    {
        p = default;
        if (d.Length < 7 || d.Length > MaxDatagram)
        {
            return false;
        }

        byte first = d[0];
        if ((first & 0x80) == 0)
        {
            return TryParsePublicHeader(d, ref p);
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(d[1..]);
        p.Version = version;
        if (version == 0)
        {
            return TryParseVersionNegotiation(d, ref p);
        }

        if ((first & 0x40) == 0)
        {
            return false; // fixed bit
        }

        bool google = IsGoogleVersion(version);
        bool known = TryGetSalt(version, out _, out bool v2);
        if (!known && !google)
        {
            return false;
        }

        int pos = 5;
        if (google && version <= 0x51303438u /* Q048 */)
        {
            // Q046: one byte, DCIL in the high nibble and SCIL in the low one, each +3 when non-zero.
            byte cil = d[pos++];
            int dcil = cil >> 4, scil = cil & 0x0f;
            dcil = dcil == 0 ? 0 : dcil + 3;
            scil = scil == 0 ? 0 : scil + 3;
            if (d.Length - pos < dcil + scil)
            {
                return false;
            }

            p.Family = QuicFamily.GoogleNibble;
            p.Dcid = d.Slice(pos, dcil);
            p.Scid = d.Slice(pos + dcil, scil);
            pos += dcil + scil;
            int type = (first >> 4) & 0x03;
            p.IsInitial = type == 0;
            int pnLength = (first & 0x03) + 1;
            if (d.Length - pos < pnLength)
            {
                return false;
            }

            p.PayloadOffset = pos + pnLength;
            p.PacketEnd = d.Length;
            return true;
        }

        int dcidLength = d[pos++];
        if (dcidLength > MaxConnectionIdLength || d.Length - pos < dcidLength + 1)
        {
            return false;
        }

        p.Dcid = d.Slice(pos, dcidLength);
        pos += dcidLength;
        int scidLength = d[pos++];
        if (scidLength > MaxConnectionIdLength || d.Length - pos < scidLength)
        {
            return false;
        }

        p.Scid = d.Slice(pos, scidLength);
        pos += scidLength;
        int packetType = (first >> 4) & 0x03;
        p.Family = google ? QuicFamily.GoogleInvariant : QuicFamily.Ietf;
        // v2 renumbers the long-header types: Initial is 0b01, Retry 0b00.
        p.IsInitial = v2 ? packetType == 1 : packetType == 0;
        bool retry = v2 ? packetType == 0 : packetType == 3;
        if (retry)
        {
            // Retry: token then a 16-byte integrity tag, no length field.
            p.PayloadOffset = pos;
            p.PacketEnd = d.Length;
            return d.Length - pos >= TagLength;
        }

        if (p.IsInitial)
        {
            if (!TryReadVarint(d, ref pos, out ulong tokenLength) || tokenLength > (ulong)(d.Length - pos))
            {
                return false;
            }

            pos += (int)tokenLength;
        }

        // Length covers the packet number and the protected payload (at least 1 + 16 bytes of tag, or a sample).
        if (!TryReadVarint(d, ref pos, out ulong length) || length > (ulong)(d.Length - pos) || length < 20)
        {
            return false;
        }

        p.PayloadOffset = pos;
        p.PacketEnd = pos + (int)length;
        return true;
    }

    private static bool TryParsePublicHeader(ReadOnlySpan<byte> d, ref QuicPacket p)
    {
        // gQUIC ≤ Q043 public flags: 0x01 version present, 0x08 8-byte connection ID, 0x30 packet number
        // length, 0x80 must be zero (0x40 is multipath, unused).
        byte flags = d[0];
        if ((flags & 0x01) == 0 || (flags & 0xc0) != 0)
        {
            return false;
        }

        int pos = 1;
        if ((flags & 0x08) != 0)
        {
            if (d.Length < 9 + 4)
            {
                return false;
            }

            p.Dcid = d.Slice(1, 8);
            pos = 9;
        }

        uint version = BinaryPrimitives.ReadUInt32BigEndian(d[pos..]);
        if ((byte)(version >> 24) != 'Q' || !IsGoogleVersion(version))
        {
            return false;
        }

        pos += 4;
        int pnLength = ((flags >> 4) & 0x03) switch { 0 => 1, 1 => 2, 2 => 4, _ => 6 };
        // 0x04 is a 32-byte diversification nonce only from servers, and older clients set 0x0c for an 8-byte
        // CID: it is not skipped here (the CHLO search window covers both layouts).
        if (d.Length - pos < pnLength)
        {
            return false;
        }

        p.Family = QuicFamily.GooglePublicHeader;
        p.Version = version;
        p.IsInitial = true;
        p.PayloadOffset = pos + pnLength;
        p.PacketEnd = d.Length;
        return true;
    }

    private static bool TryParseVersionNegotiation(ReadOnlySpan<byte> d, ref QuicPacket p)
    {
        int pos = 5;
        int dcidLength = d[pos++];
        if (d.Length - pos < dcidLength + 1)
        {
            return false;
        }

        p.Dcid = d.Slice(pos, dcidLength);
        pos += dcidLength;
        int scidLength = d[pos++];
        if (d.Length - pos < scidLength)
        {
            return false;
        }

        p.Scid = d.Slice(pos, scidLength);
        pos += scidLength;
        var list = d[pos..];
        if (list.Length < 4 || (list.Length & 3) != 0)
        {
            return false;
        }

        bool anyKnown = false;
        for (int i = 0; i < list.Length; i += 4)
        {
            uint v = BinaryPrimitives.ReadUInt32BigEndian(list[i..]);
            if (v == 0)
            {
                return false;
            }

            anyKnown |= TryGetSalt(v, out _, out _) || IsGoogleVersion(v);
        }

        p.Family = QuicFamily.VersionNegotiation;
        p.PayloadOffset = pos;
        p.PacketEnd = d.Length;
        return anyKnown;
    }

    /// <summary>Client Initial key material (RFC 9001 §5.2): key, iv and header-protection key.</summary>
    public static void DeriveClientKeys(uint version, ReadOnlySpan<byte> dcid, Span<byte> key, Span<byte> iv, Span<byte> hp)
    {
        if (!TryGetSalt(version, out var salt, out bool v2))
        {
            throw new ArgumentOutOfRangeException(nameof(version));
        }

        Span<byte> initial = stackalloc byte[32];
        Span<byte> client = stackalloc byte[32];
        HKDF.Extract(HashAlgorithmName.SHA256, dcid, salt, initial);
        ExpandLabel(initial, "client in"u8, client);
        ExpandLabel(client, v2 ? "quicv2 key"u8 : "quic key"u8, key[..16]);
        ExpandLabel(client, v2 ? "quicv2 iv"u8 : "quic iv"u8, iv[..12]);
        ExpandLabel(client, v2 ? "quicv2 hp"u8 : "quic hp"u8, hp[..16]);
    }

    /// <summary>HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.</summary>
    public static void ExpandLabel(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, Span<byte> output)
    {
        Span<byte> info = stackalloc byte[2 + 1 + 6 + 32 + 1];
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)output.Length);
        info[2] = (byte)(6 + label.Length);
        "tls13 "u8.CopyTo(info[3..]);
        label.CopyTo(info[9..]);
        info[9 + label.Length] = 0;
        HKDF.Expand(HashAlgorithmName.SHA256, secret, output, info[..(10 + label.Length)]);
    }

    /// <summary>
    /// Removes header protection and decrypts the client Initial at the start of <paramref name="datagram"/>
    /// into <paramref name="plaintext"/> (at least the packet length). Returns the plaintext length, or -1 when
    /// the packet does not decrypt (wrong keys, tampered bytes, not an Initial).
    /// </summary>
    public static int DecryptClientInitial(ReadOnlySpan<byte> datagram, in QuicPacket p, Span<byte> plaintext) =>
        DecryptClientInitial(datagram, p, p.Dcid, plaintext);

    /// <summary>
    /// Decrypts a client Initial with the keys of <paramref name="originalDcid"/>: RFC 9001 §5.2 derives every
    /// client Initial's keys from the DCID of the client's first Initial, even after the client adopted the
    /// server's connection ID.
    /// </summary>
    public static int DecryptClientInitial(ReadOnlySpan<byte> datagram, in QuicPacket p, ReadOnlySpan<byte> originalDcid, Span<byte> plaintext)
    {
        if (p.Family is not (QuicFamily.Ietf or QuicFamily.GoogleInvariant) || !p.IsInitial || !AesGcm.IsSupported || !TryGetSalt(p.Version, out _, out _))
        {
            return -1;
        }

        int pnOffset = p.PayloadOffset;
        if (p.PacketEnd - pnOffset < 4 + SampleLength)
        {
            return -1;
        }

        Span<byte> key = stackalloc byte[16];
        Span<byte> iv = stackalloc byte[12];
        Span<byte> hp = stackalloc byte[16];
        DeriveClientKeys(p.Version, originalDcid, key, iv, hp);

        Span<byte> mask = stackalloc byte[16];
        using (var aes = Aes.Create())
        {
            aes.Key = hp.ToArray();
            aes.EncryptEcb(datagram.Slice(pnOffset + 4, SampleLength), mask, PaddingMode.None);
        }

        byte first = (byte)(datagram[0] ^ (mask[0] & 0x0f));
        int pnLength = (first & 0x03) + 1;
        int headerLength = pnOffset + pnLength;
        int payloadLength = p.PacketEnd - headerLength - TagLength;
        if (payloadLength <= 0 || plaintext.Length < payloadLength)
        {
            return -1;
        }

        byte[] header = ArrayPool<byte>.Shared.Rent(headerLength);
        try
        {
            var aad = header.AsSpan(0, headerLength);
            datagram[..headerLength].CopyTo(aad);
            aad[0] = first;
            ulong pn = 0;
            for (int i = 0; i < pnLength; i++)
            {
                aad[pnOffset + i] ^= mask[1 + i];
                pn = (pn << 8) | aad[pnOffset + i];
            }

            Span<byte> nonce = stackalloc byte[12];
            iv.CopyTo(nonce);
            for (int i = 0; i < 8; i++)
            {
                nonce[11 - i] ^= (byte)(pn >> (8 * i));
            }

            using var gcm = new AesGcm(key, TagLength);
            try
            {
                gcm.Decrypt(nonce, datagram.Slice(headerLength, payloadLength), datagram.Slice(headerLength + payloadLength, TagLength), plaintext[..payloadLength], aad);
            }
            catch (CryptographicException)
            {
                // AesGcm has no non-throwing decrypt; a failed tag only happens on bytes that passed every header check.
                return -1;
            }

            return payloadLength;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }
    }

    /// <summary>
    /// Walks the frames of a decrypted Initial (PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE) and copies CRYPTO
    /// data into <paramref name="crypto"/> (offsets beyond it are dropped). Returns the length of the contiguous
    /// data from offset 0, or -1 when a frame is malformed or not allowed in an Initial.
    /// </summary>
    public static int ReassembleCrypto(ReadOnlySpan<byte> payload, Span<byte> crypto)
    {
        Span<int> starts = stackalloc int[MaxCryptoFrames];
        Span<int> ends = stackalloc int[MaxCryptoFrames];
        int ranges = 0;
        return ReassembleCrypto(payload, crypto, starts, ends, ref ranges);
    }

    /// <summary>
    /// As <see cref="ReassembleCrypto(ReadOnlySpan{byte}, Span{byte})"/>, adding to the ranges already held in
    /// <paramref name="starts"/>/<paramref name="ends"/> (a ClientHello spread over several Initial packets).
    /// </summary>
    public static int ReassembleCrypto(ReadOnlySpan<byte> payload, Span<byte> crypto, Span<int> starts, Span<int> ends, ref int ranges)
    {
        int frames = 0, pos = 0;
        while (pos < payload.Length)
        {
            if (++frames > MaxFrames)
            {
                return -1;
            }

            byte type = payload[pos++];
            switch (type)
            {
                case 0x00: // PADDING
                    while (pos < payload.Length && payload[pos] == 0)
                    {
                        pos++;
                    }

                    break;
                case 0x01: // PING
                    break;
                case 0x02:
                case 0x03: // ACK
                    {
                        if (!TryReadVarint(payload, ref pos, out _) || !TryReadVarint(payload, ref pos, out _)
                            || !TryReadVarint(payload, ref pos, out ulong count) || count > MaxAckRanges
                            || !TryReadVarint(payload, ref pos, out _))
                        {
                            return -1;
                        }

                        int extra = (int)count * 2 + (type == 0x03 ? 3 : 0);
                        for (int i = 0; i < extra; i++)
                        {
                            if (!TryReadVarint(payload, ref pos, out _))
                            {
                                return -1;
                            }
                        }

                        break;
                    }

                case 0x06: // CRYPTO
                    {
                        if (!TryReadVarint(payload, ref pos, out ulong offset) || !TryReadVarint(payload, ref pos, out ulong length)
                            || length > (ulong)(payload.Length - pos))
                        {
                            return -1;
                        }

                        var data = payload.Slice(pos, (int)length);
                        pos += (int)length;
                        if (offset < (ulong)crypto.Length && ranges < starts.Length)
                        {
                            int start = (int)offset;
                            int n = Math.Min(data.Length, crypto.Length - start);
                            data[..n].CopyTo(crypto[start..]);
                            starts[ranges] = start;
                            ends[ranges] = start + n;
                            ranges++;
                        }

                        break;
                    }

                case 0x1c: // CONNECTION_CLOSE (transport)
                    {
                        if (!TryReadVarint(payload, ref pos, out _) || !TryReadVarint(payload, ref pos, out _)
                            || !TryReadVarint(payload, ref pos, out ulong reason) || reason > (ulong)(payload.Length - pos))
                        {
                            return -1;
                        }

                        pos += (int)reason;
                        break;
                    }

                default:
                    return -1;
            }
        }

        int contiguous = 0;
        bool grew = true;
        while (grew)
        {
            grew = false;
            for (int i = 0; i < ranges; i++)
            {
                if (starts[i] <= contiguous && ends[i] > contiguous)
                {
                    contiguous = ends[i];
                    grew = true;
                }
            }
        }

        return contiguous;
    }

    /// <summary>Finds the gQUIC "CHLO" message (tag, u16 count, u16 padding, count × (tag, u32 end offset), values) near the payload start.</summary>
    public static bool TryFindChlo(ReadOnlySpan<byte> payload, out ReadOnlySpan<byte> chlo)
    {
        chlo = default;
        var window = payload[..Math.Min(payload.Length, MaxChloSearch)];
        int at = window.IndexOf("CHLO"u8);
        if (at < 0 || payload.Length - at < 8)
        {
            return false;
        }

        chlo = payload[at..];
        int count = BinaryPrimitives.ReadUInt16LittleEndian(chlo[4..]);
        return count is > 0 and <= MaxChloTags && chlo.Length >= 8 + count * 8;
    }

    /// <summary>The value of one CHLO tag (e.g. "SNI\0", "UAID"), when it lies within the bytes.</summary>
    public static bool TryGetChloTag(ReadOnlySpan<byte> chlo, uint tag, out ReadOnlySpan<byte> value)
    {
        value = default;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(chlo[4..]);
        int valuesStart = 8 + count * 8;
        uint previousEnd = 0;
        for (int i = 0; i < count; i++)
        {
            var entry = chlo.Slice(8 + i * 8, 8);
            uint end = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            if (end < previousEnd)
            {
                return false;
            }

            if (BinaryPrimitives.ReadUInt32BigEndian(entry) == tag)
            {
                if ((ulong)valuesStart + end > (ulong)chlo.Length)
                {
                    return false;
                }

                value = chlo.Slice(valuesStart + (int)previousEnd, (int)(end - previousEnd));
                return true;
            }

            previousEnd = end;
        }

        return false;
    }

    /// <summary>Whether the first CRYPTO bytes start a ClientHello (type 1, length ≤ 64 KiB).</summary>
    public static bool StartsClientHello(ReadOnlySpan<byte> crypto) =>
        crypto.Length >= 6 && crypto[0] == TlsHelloParser.HandshakeClientHello && crypto[1] == 0
        && crypto[4] == 0x03 && crypto[5] is >= 1 and <= 4;
}
