using System.Buffers.Binary;

namespace Sniffer.CaptureGenerator;

/// <summary>
/// TLS 1.2 / 1.3 handshakes from the OpenSSL templates, varied per flow: client and server random, session id,
/// SNI (or none), ALPN offered or not, key-share and ECDHE public keys, and every encrypted record body; the
/// structure, cipher suites, extensions and their order stay OpenSSL's. The bulk is application-data records.
/// </summary>
internal static class Tls
{
    private const byte ChangeCipherSpec = 20, Alert = 21, Handshake = 22, ApplicationData = 23;
    private const ushort ExtServerName = 0, ExtAlpn = 16, ExtKeyShare = 51;

    private sealed record TlsRecord(byte Type, ushort Version, byte[] Body);

    public static Conversation Build(Rng r, bool v13, int bulkLength)
    {
        var c = new Conversation();
        string? sni = r.Chance(0.92) ? Names.HostName(r) : null;
        string[]? alpn = r.Next(3) switch { 0 => null, 1 => ["h2", "http/1.1"], _ => ["http/1.1"] };
        var clientHello = ClientHello(r, v13 ? Templates.Tls13ClientHello : Templates.Tls12ClientHello, v13, sni, alpn, out byte[] sessionId);
        c.Client(clientHello);
        var flight = Records(v13 ? Templates.Tls13ServerFlight : Templates.Tls12ServerFlight);
        flight[0] = flight[0] with { Body = ServerHello(r, flight[0].Body, v13, sessionId, v13 ? null : alpn?[0]) };
        c.Server(Serialize(Scramble(r, flight)));
        var request = AppData(r, r.Next(60, 700), v13);
        if (v13)
        {
            // Client Finished and the first request leave together; the server then sends its session tickets.
            var fin = Records(Templates.Tls13ClientFinished);
            int firstAppData = fin.FindIndex(x => x.Type == ApplicationData);
            fin = fin[..(firstAppData + 1)];
            c.Client([.. Serialize(Scramble(r, fin)), .. request]);
            c.Server(Serialize(Scramble(r, Records(Templates.Tls13ServerTickets))));
        }
        else
        {
            c.Client(Serialize(Scramble(r, Records(Templates.Tls12ClientFinished))));
            c.Server(Serialize(Scramble(r, Records(Templates.Tls12ServerFinished))));
            c.Client(request);
        }

        c.BulkFromClient = r.Chance(0.3);
        if (c.BulkFromClient)
        {
            c.Server(AppData(r, r.Next(30, 200), v13));
        }

        c.Bulk = AppDataStream(r, bulkLength, v13);
        c.ClientClosesFirst = r.Chance(0.6);
        return c;
    }

    private static List<TlsRecord> Records(byte[] data)
    {
        var list = new List<TlsRecord>();
        for (int o = 0; o + 5 <= data.Length;)
        {
            int len = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(o + 3));
            list.Add(new TlsRecord(data[o], BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(o + 1)), data.AsSpan(o + 5, len).ToArray()));
            o += 5 + len;
        }

        return list;
    }

    private static byte[] Serialize(IEnumerable<TlsRecord> records)
    {
        var ms = new MemoryStream();
        foreach (var rec in records)
        {
            ms.WriteByte(rec.Type);
            ms.WriteByte((byte)(rec.Version >> 8));
            ms.WriteByte((byte)rec.Version);
            ms.WriteByte((byte)(rec.Body.Length >> 8));
            ms.WriteByte((byte)rec.Body.Length);
            ms.Write(rec.Body);
        }

        return ms.ToArray();
    }

    /// <summary>
    /// New bytes wherever the wire shows key material or ciphertext: every application-data record, every record after
    /// ChangeCipherSpec, NewSessionTicket tickets, ClientKeyExchange and ServerKeyExchange public keys.
    /// </summary>
    private static List<TlsRecord> Scramble(Rng r, List<TlsRecord> records)
    {
        bool encrypted = false;
        var result = new List<TlsRecord>(records.Count);
        foreach (var rec in records)
        {
            var body = (byte[])rec.Body.Clone();
            if (rec.Type == ChangeCipherSpec)
            {
                encrypted = true;
            }
            else if (rec.Type == ApplicationData || (encrypted && rec.Type is Handshake or Alert))
            {
                r.Fill(body);
            }
            else if (rec.Type == Handshake && body.Length > 4)
            {
                switch (body[0])
                {
                    case 4 when body.Length > 10: // NewSessionTicket: lifetime(4) ticket<2>
                        r.Fill(body.AsSpan(10));
                        break;
                    case 12 when body.Length > 8: // ServerKeyExchange (ECDHE): curve_type, curve, point<1>, signature
                        r.Fill(body.AsSpan(8, Math.Min(body[7], body.Length - 8)));
                        break;
                    case 16 when body.Length > 5: // ClientKeyExchange (ECDHE): point<1>
                        r.Fill(body.AsSpan(5));
                        break;
                }
            }

            result.Add(rec with { Body = body });
        }

        return result;
    }

    private static byte[] ClientHello(Rng r, byte[] template, bool v13, string? sni, string[]? alpn, out byte[] sessionId)
    {
        var rec = Records(template)[0];
        var b = rec.Body; // handshake header (4) + ClientHello
        int o = 4;
        var version = b.AsSpan(o, 2).ToArray();
        o += 2 + 32;
        o += 1 + b[o];
        int csLen = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(o));
        var cipherSuites = b.AsSpan(o, 2 + csLen).ToArray();
        o += 2 + csLen;
        var compression = b.AsSpan(o, 1 + b[o]).ToArray();
        o += 1 + b[o];
        var extensions = Extensions(b, o);

        sessionId = v13 || r.Chance(0.5) ? r.Bytes(32) : [];
        var exts = new List<(ushort Type, byte[] Data)>();
        foreach (var (type, data) in extensions)
        {
            switch (type)
            {
                case ExtServerName:
                    if (sni is not null)
                    {
                        exts.Add((type, ServerName(sni)));
                    }

                    if (alpn is not null)
                    {
                        exts.Add((ExtAlpn, Alpn(alpn)));
                    }

                    break;
                case ExtKeyShare:
                    {
                        var d = (byte[])data.Clone();
                        for (int k = 2; k + 4 <= d.Length;)
                        {
                            int len = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(k + 2));
                            r.Fill(d.AsSpan(k + 4, len));
                            k += 4 + len;
                        }

                        exts.Add((type, d));
                        break;
                    }

                default:
                    exts.Add((type, data));
                    break;
            }
        }

        var body = new MemoryStream();
        body.Write(version);
        body.Write(r.Bytes(32));
        body.WriteByte((byte)sessionId.Length);
        body.Write(sessionId);
        body.Write(cipherSuites);
        body.Write(compression);
        WriteExtensions(body, exts);
        return Serialize([new TlsRecord(Handshake, rec.Version, HandshakeMessage(1, body.ToArray()))]);
    }

    private static byte[] ServerHello(Rng r, byte[] hs, bool v13, byte[] clientSessionId, string? alpn)
    {
        int o = 4;
        var version = hs.AsSpan(o, 2).ToArray();
        o += 2;
        var random = hs.AsSpan(o, 32).ToArray();
        // TLS 1.3-capable servers end a TLS 1.2 random with the downgrade sentinel "DOWNGRD\x01": keep it.
        r.Fill(v13 ? random : random.AsSpan(0, 24));
        o += 32;
        var templateSessionId = hs.AsSpan(o + 1, hs[o]).ToArray();
        o += 1 + hs[o];
        var cipher = hs.AsSpan(o, 3).ToArray(); // suite + compression
        o += 3;
        var exts = new List<(ushort Type, byte[] Data)>();
        foreach (var (type, data) in Extensions(hs, o))
        {
            if (type == ExtKeyShare)
            {
                var d = (byte[])data.Clone();
                r.Fill(d.AsSpan(4));
                exts.Add((type, d));
            }
            else
            {
                exts.Add((type, data));
            }
        }

        if (alpn is not null)
        {
            exts.Add((ExtAlpn, Alpn([alpn])));
        }

        var body = new MemoryStream();
        body.Write(version);
        body.Write(random);
        var sid = v13 ? clientSessionId : templateSessionId;
        body.WriteByte((byte)sid.Length);
        body.Write(sid);
        body.Write(cipher);
        WriteExtensions(body, exts);
        return HandshakeMessage(2, body.ToArray());
    }

    private static List<(ushort Type, byte[] Data)> Extensions(byte[] b, int o)
    {
        var list = new List<(ushort, byte[])>();
        if (o + 2 > b.Length)
        {
            return list;
        }

        int end = o + 2 + BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(o));
        o += 2;
        while (o + 4 <= end)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(o));
            int len = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(o + 2));
            list.Add((type, b.AsSpan(o + 4, len).ToArray()));
            o += 4 + len;
        }

        return list;
    }

    private static void WriteExtensions(MemoryStream body, List<(ushort Type, byte[] Data)> exts)
    {
        int total = exts.Sum(e => 4 + e.Data.Length);
        body.WriteByte((byte)(total >> 8));
        body.WriteByte((byte)total);
        foreach (var (type, data) in exts)
        {
            body.WriteByte((byte)(type >> 8));
            body.WriteByte((byte)type);
            body.WriteByte((byte)(data.Length >> 8));
            body.WriteByte((byte)data.Length);
            body.Write(data);
        }
    }

    private static byte[] HandshakeMessage(byte type, byte[] body) =>
        [type, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    private static byte[] ServerName(string name)
    {
        var n = System.Text.Encoding.ASCII.GetBytes(name);
        int list = 3 + n.Length;
        return [(byte)(list >> 8), (byte)list, 0, (byte)(n.Length >> 8), (byte)n.Length, .. n];
    }

    private static byte[] Alpn(string[] protocols)
    {
        var items = protocols.SelectMany(p => new[] { (byte)p.Length }.Concat(System.Text.Encoding.ASCII.GetBytes(p))).ToArray();
        return [(byte)(items.Length >> 8), (byte)items.Length, .. items];
    }

    private static byte[] AppData(Rng r, int length, bool v13) =>
        Serialize([new TlsRecord(ApplicationData, 0x0303, r.Bytes(length + (v13 ? 17 : 24)))]);

    /// <summary>Back-to-back full-size application-data records, the last one cut to fit exactly.</summary>
    private static byte[] AppDataStream(Rng r, int length, bool v13)
    {
        var buffer = new byte[length];
        r.Fill(buffer);
        int max = 16384 + (v13 ? 17 : 24);
        for (int o = 0; o < length;)
        {
            int remaining = length - o;
            int body = remaining - 5 <= max ? remaining - 5 : remaining - 5 - max < 64 ? remaining - 5 - 64 : max;
            if (body < 1)
            {
                break; // a few trailing bytes: left as the start of a record cut by the capture
            }

            buffer[o] = ApplicationData;
            buffer[o + 1] = 3;
            buffer[o + 2] = 3;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(o + 3), (ushort)body);
            o += 5 + body;
        }

        return buffer;
    }
}
