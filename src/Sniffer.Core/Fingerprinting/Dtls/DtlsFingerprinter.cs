using System.Buffers;
using System.Buffers.Binary;
using Sniffer.Fingerprinting.Tls;

namespace Sniffer.Fingerprinting.Dtls;

/// <summary>
/// DTLS 1.0/1.2/1.3 over UDP (RFC 6347, RFC 9147): every record of the first datagram has a valid 13-byte header
/// (content type 20–23, version 0xfeff/0xfefd/0xfefc, epoch, sequence, length) and the records tile the datagram;
/// an epoch-0 handshake record starting a ClientHello, ServerHello or HelloVerifyRequest is validated fully.
/// The hello is rewritten without the DTLS fields (message_seq, fragment, cookie) and parsed by the TLS parser.
/// </summary>
public sealed class DtlsFingerprinter : IFingerprinter
{
    public static readonly DtlsFingerprinter Instance = new();

    public const int RecordHeaderLength = 13;
    public const int HandshakeHeaderLength = 12;
    /// <summary>Largest record body (2^14 plus expansion, as TLS).</summary>
    public const int MaxRecordLength = TlsRecordReader.MaxRecordLength;
    /// <summary>Most records walked in one datagram.</summary>
    public const int MaxRecords = 32;
    /// <summary>Longest cookie (RFC 6347 §4.2.1: opaque cookie&lt;0..2^8-1&gt;).</summary>
    public const int MaxCookieLength = 255;

    public const byte HandshakeHelloVerifyRequest = 3;

    public string Name => "dtls";

    private enum Kind : byte
    {
        None,
        Records,
        HandshakeStart,
        ClientHello,
        ServerHello,
        HelloVerifyRequest,
    }

    public ProbeResult Probe(in InspectionContext context)
    {
        if (context.Transport != Transport.Udp)
        {
            return ProbeResult.NoMatch;
        }

        var client = context.Client.IsEmpty ? (Kind?)null : Classify(context.Client);
        var server = context.Server.IsEmpty ? (Kind?)null : Classify(context.Server);
        if (client == Kind.None || (client is null && server == Kind.None))
        {
            return ProbeResult.NoMatch;
        }

        if (client == Kind.ClientHello)
        {
            return ProbeResult.Matched(Confidence.High, "dtls.client_hello");
        }

        if (server is Kind.ServerHello or Kind.HelloVerifyRequest)
        {
            return ProbeResult.Matched(Confidence.High, server == Kind.ServerHello ? "dtls.server_hello" : "dtls.hello_verify_request");
        }

        if (client is null && server is null)
        {
            return context.ClientComplete && context.ServerComplete ? ProbeResult.NoMatch : ProbeResult.NeedMore;
        }

        var seen = client ?? server!.Value;
        bool both = client is not null && server is not null and not Kind.None;
        var confidence = both ? Confidence.High : Confidence.Medium;
        return seen switch
        {
            Kind.ServerHello => ProbeResult.Matched(Confidence.High, "dtls.server_hello"),
            Kind.HelloVerifyRequest => ProbeResult.Matched(Confidence.High, "dtls.hello_verify_request"),
            Kind.ClientHello => ProbeResult.Matched(Confidence.Medium, "dtls.client_hello"), // a ClientHello from the "server" side
            Kind.HandshakeStart => ProbeResult.Matched(confidence, "dtls.handshake"),
            _ => ProbeResult.Matched(confidence, "dtls.record"),
        };
    }

    /// <summary>What the first datagram of a side holds (no allocation).</summary>
    private static Kind Classify(ReadOnlySpan<byte> d)
    {
        if (!RecordsTile(d))
        {
            return Kind.None;
        }

        if (d[0] != TlsRecordReader.ContentHandshake || BinaryPrimitives.ReadUInt16BigEndian(d[3..]) != 0)
        {
            return Kind.Records;
        }

        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(d[11..]);
        var record = d.Slice(RecordHeaderLength, recordLength);
        if (!TryHandshake(record, out byte type, out var body, out bool whole))
        {
            return Kind.None;
        }

        if (!whole)
        {
            return type is TlsHelloParser.HandshakeClientHello or TlsHelloParser.HandshakeServerHello or HandshakeHelloVerifyRequest ? Kind.HandshakeStart : Kind.Records;
        }

        switch (type)
        {
            case TlsHelloParser.HandshakeClientHello:
                return WithTlsShape(body, client: true, null) ? Kind.ClientHello : Kind.None;
            case TlsHelloParser.HandshakeServerHello:
                return WithTlsShape(body, client: false, null) ? Kind.ServerHello : Kind.None;
            case HandshakeHelloVerifyRequest:
                // server_version, cookie<0..255>.
                return body.Length >= 3 && IsDtlsVersion(BinaryPrimitives.ReadUInt16BigEndian(body)) && body.Length == 3 + body[2]
                    ? Kind.HelloVerifyRequest : Kind.None;
            default:
                return Kind.HandshakeStart;
        }
    }

    private static bool IsDtlsVersion(ushort v) => v is 0xfeff or 0xfefd or 0xfefc;

    /// <summary>Every record header is valid and the records end exactly at the datagram end.</summary>
    private static bool RecordsTile(ReadOnlySpan<byte> d)
    {
        int pos = 0, records = 0;
        while (pos < d.Length)
        {
            if (d.Length - pos < RecordHeaderLength || ++records > MaxRecords)
            {
                return false;
            }

            byte type = d[pos];
            ushort version = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 1)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 11)..]);
            if (type is < TlsRecordReader.ContentChangeCipherSpec or > TlsRecordReader.ContentApplicationData
                || !IsDtlsVersion(version) || length == 0 || length > MaxRecordLength || d.Length - pos - RecordHeaderLength < length)
            {
                return false;
            }

            pos += RecordHeaderLength + length;
        }

        return records > 0;
    }

    /// <summary>The DTLS handshake header: type, length, message_seq, fragment_offset, fragment_length.</summary>
    private static bool TryHandshake(ReadOnlySpan<byte> record, out byte type, out ReadOnlySpan<byte> body, out bool whole)
    {
        type = 0;
        body = default;
        whole = false;
        if (record.Length < HandshakeHeaderLength)
        {
            return false;
        }

        type = record[0];
        int length = (record[1] << 16) | (record[2] << 8) | record[3];
        int offset = (record[6] << 16) | (record[7] << 8) | record[8];
        int fragment = (record[9] << 16) | (record[10] << 8) | record[11];
        if (type is 0 or > 24 || fragment > record.Length - HandshakeHeaderLength || offset + fragment > length || length > TlsRecordReader.MaxHandshakeLength)
        {
            return false;
        }

        body = record.Slice(HandshakeHeaderLength, fragment);
        whole = offset == 0 && fragment == length;
        return true;
    }

    /// <summary>
    /// Rewrites a DTLS hello body into a TLS hello message (4-byte header, version 0x0303, no cookie) and
    /// validates it with the TLS parser; fills <paramref name="parsed"/> when given, restoring the DTLS version.
    /// </summary>
    private static bool WithTlsShape(ReadOnlySpan<byte> body, bool client, Action<TlsHello>? parsed)
    {
        // version(2) random(32) session_id<0..32> [cookie<0..255>] rest.
        if (body.Length < 35 || !IsDtlsVersion(BinaryPrimitives.ReadUInt16BigEndian(body)))
        {
            return false;
        }

        ushort version = BinaryPrimitives.ReadUInt16BigEndian(body);
        int session = body[34];
        int afterSession = 35 + session;
        if (session > 32 || body.Length < afterSession + (client ? 1 : 0))
        {
            return false;
        }

        int cookie = client ? body[afterSession] : -1;
        var rest = client ? body[(afterSession + 1)..] : body[afterSession..];
        if (client && rest.Length < cookie)
        {
            return false;
        }

        if (client)
        {
            rest = rest[cookie..];
        }

        int length = afterSession + rest.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(4 + length);
        try
        {
            var m = rented.AsSpan(0, 4 + length);
            m[0] = client ? TlsHelloParser.HandshakeClientHello : TlsHelloParser.HandshakeServerHello;
            m[1] = (byte)(length >> 16);
            m[2] = (byte)(length >> 8);
            m[3] = (byte)length;
            body[..afterSession].CopyTo(m[4..]);
            m[4] = 0x03;
            m[5] = 0x03;
            rest.CopyTo(m[(4 + afterSession)..]);
            byte type = client ? TlsHelloParser.HandshakeClientHello : TlsHelloParser.HandshakeServerHello;
            if (parsed is null)
            {
                return TlsHelloParser.IsWellFormed(m, type);
            }

            var hello = TlsHelloParser.Parse(m, type, legacyVersion: version);
            if (hello is null)
            {
                return false;
            }

            parsed(hello);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata)
    {
        var meta = metadata as TlsMetadata;
        if (meta is null)
        {
            meta = new TlsMetadata(ja4Protocol: 'd');
            metadata = meta;
        }

        // One look per direction: the first datagram is all a UDP fingerprinter is given.
        if (!meta.ClientGaveUp && !context.Client.IsEmpty)
        {
            meta.ClientGaveUp = true;
            if (TryHelloBody(context.Client, TlsHelloParser.HandshakeClientHello, out var body))
            {
                WithTlsShape(body, client: true, hello =>
                {
                    meta.Client = hello;
                    meta.OnClientHello();
                });
            }
        }

        if (!meta.ServerGaveUp && !context.Server.IsEmpty)
        {
            meta.ServerGaveUp = true;
            if (TryHelloBody(context.Server, TlsHelloParser.HandshakeServerHello, out var body))
            {
                WithTlsShape(body, client: false, hello =>
                {
                    meta.Server = hello;
                    meta.OnServerHello();
                });
            }
        }

        return (meta.ClientGaveUp || context.ClientComplete) && (meta.ServerGaveUp || context.ServerComplete);
    }

    private static bool TryHelloBody(ReadOnlySpan<byte> d, byte type, out ReadOnlySpan<byte> body)
    {
        body = default;
        if (!RecordsTile(d) || d[0] != TlsRecordReader.ContentHandshake || BinaryPrimitives.ReadUInt16BigEndian(d[3..]) != 0)
        {
            return false;
        }

        var record = d.Slice(RecordHeaderLength, BinaryPrimitives.ReadUInt16BigEndian(d[11..]));
        return TryHandshake(record, out byte t, out body, out bool whole) && whole && t == type;
    }
}
