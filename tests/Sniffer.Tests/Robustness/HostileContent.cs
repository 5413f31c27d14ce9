using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// Protocol messages whose string fields carry hostile bytes: control characters, NUL, invalid UTF-8, CESU-8
/// surrogate halves, U+2028/U+2029, a BOM, quotes and backslashes, code points above U+10FFFF, values far longer
/// than any field limit. Each case is one flow; <see cref="Capture"/> puts them all in one capture.
/// </summary>
public static class HostileContent
{
    private static readonly byte[][] Pieces =
    [
        [0x00], [0x01], [0x07], [0x09], [0x1B], [0x7F],
        [0xC3],                                   // a lead byte without its continuation
        [0xFF], [0xFE],
        [0xC0, 0xAF],                             // overlong '/'
        [0xED, 0xA0, 0x80],                       // CESU-8: lone high surrogate D800
        [0xED, 0xB0, 0x80],                       // CESU-8: lone low surrogate DC00
        [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80],     // CESU-8: U+1F600 as a surrogate pair
        [0xE2, 0x80, 0xA8],                       // U+2028 LINE SEPARATOR
        [0xE2, 0x80, 0xA9],                       // U+2029 PARAGRAPH SEPARATOR
        [0xEF, 0xBB, 0xBF],                       // BOM
        [0xF4, 0x90, 0x80, 0x80],                 // above U+10FFFF
        [0xF0, 0x9F, 0x98, 0x80],                 // U+1F600: a surrogate pair in UTF-16 (cut boundaries)
        "\""u8.ToArray(), "\\"u8.ToArray(), "</script>"u8.ToArray(), "\u00e9"u8.ToArray(), "a"u8.ToArray(),
    ];

    /// <summary>
    /// <paramref name="length"/> hostile bytes. Never CR or LF (they frame text protocols); NUL and space only when
    /// asked (NUL ends C strings, space ends tokens); <paramref name="quote"/> false leaves out both quote marks.
    /// </summary>
    public static byte[] Bytes(int length, bool nul = false, bool space = false, bool quote = true)
    {
        var b = new List<byte>(length + 8);
        int i = 0;
        while (b.Count < length)
        {
            var piece = Pieces[i++ % Pieces.Length];
            if ((!nul && piece[0] == 0) || (!quote && piece[0] == '"') || (!Controls && piece.Length == 1 && (piece[0] < 0x20 || piece[0] == 0x7F)))
            {
                continue;
            }

            b.AddRange(piece);
            if (space && i % 5 == 0)
            {
                b.Add((byte)' ');
            }
        }

        return [.. b.Take(length)];
    }

    /// <summary>
    /// False leaves C0 control characters and DEL out of <see cref="Bytes"/>: text protocols (and SSH) reject a line
    /// holding them, so without them the cases reach the fields' limits; with them they reach the rejection paths.
    /// </summary>
    [ThreadStatic]
    private static bool t_controls;

    public static bool Controls { get => t_controls; set => t_controls = value; }

    /// <summary>One flow: who says what, over which transport.</summary>
    public sealed record Case(string Protocol, bool Udp, byte[] Client, byte[] Server, string[] Fields);

    private static byte[] Cat(params object[] parts)
    {
        var ms = new MemoryStream();
        foreach (var p in parts)
        {
            ms.Write(p switch
            {
                string s => Encoding.ASCII.GetBytes(s),
                byte[] b => b,
                byte b1 => [b1],
                _ => throw new ArgumentException(p.GetType().Name),
            });
        }

        return ms.ToArray();
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    private static byte[] U24(int v) => [(byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static byte[] U32(int v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];

    /// <summary>BER definite length (short or long form).</summary>
    private static byte[] BerLength(int n) => n < 128 ? [(byte)n] : n < 256 ? [0x81, (byte)n] : [0x82, (byte)(n >> 8), (byte)n];

    private static byte[] Tlv(byte tag, byte[] value) => Cat(tag, BerLength(value.Length), value);

    /// <summary>Printable ASCII that still means trouble downstream: quotes, backslash, markup, a format string.</summary>
    public static byte[] Ascii(int length, bool space = false)
    {
        var pattern = space ? "\"'\\</script>&%s{0} $(id) `x`;" : "\"'\\</script>&%s{0}$(id)`x`;";
        var b = new byte[length];
        for (int i = 0; i < length; i++)
        {
            b[i] = (byte)pattern[i % pattern.Length];
        }

        return b;
    }

    /// <summary>
    /// Every case. <paramref name="huge"/> false: each value a few hundred bytes over its field's limit but within
    /// what the protocol's parser accepts, so the value is extracted and cut. True: values of a megabyte (clipped
    /// where the framing cannot carry more: an 8-bit length, a 16-bit length, a DNS label), which parsers reject or
    /// clip; nothing may break.
    /// </summary>
    public static List<Case> Cases(bool huge)
    {
        const int Megabyte = 1 << 20;
        int S(int size) => huge ? Megabyte : size;
        int S16(int size) => huge ? 60_000 : size; // what a UDP datagram or a 16-bit length can carry
        var cases = new List<Case>();

        // HTTP: target, Host, User-Agent, Referer; Server, Content-Type.
        cases.Add(new("http", false,
            Cat("GET /", Bytes(S(2300)), "?q=", Bytes(S(100)), " HTTP/1.1\r\nHost: ", Bytes(S(400)), "\r\nUser-Agent: ", Bytes(S(1400), space: true),
                "\r\nReferer: ", Bytes(S(2300), space: true), "\r\nUpgrade: ", Bytes(S(200)), "\r\nAccept: */*\r\n\r\n"),
            Cat("HTTP/1.1 200 OK\r\nServer: ", Bytes(S(1400), space: true), "\r\nContent-Type: ", Bytes(S(300)), "\r\nContent-Length: 0\r\n\r\n"),
            ["url.original", "url.domain", "user_agent.original", "http.request.referrer", "sniffer.http.server"]));

        // TLS: SNI and ALPN in the ClientHello, ALPN in the ServerHello (TLS 1.2).
        cases.Add(new("tls", false, ClientHello(Bytes(huge ? 16_000 : 600), Bytes(huge ? 255 : 200)), ServerHello(Bytes(huge ? 255 : 200)),
            ["tls.client.server_name", "sniffer.tls.client.alpn", "tls.next_protocol"]));

        // SSH: software and comments (printable ASCII only, RFC 4253: at most 255 bytes a line).
        cases.Add(new("ssh", false,
            Cat("SSH-2.0-", Ascii(huge ? 4000 : 120), " ", Ascii(120, space: true), "\r\n"),
            Cat("SSH-2.0-", Ascii(120), " ", Ascii(huge ? 4000 : 120, space: true), "\r\n"),
            huge ? [] : ["sniffer.ssh.client.software", "sniffer.ssh.server.comments"]));

        // SMTP: banner, HELO, MAIL FROM, RCPT TO.
        cases.Add(new("smtp", false,
            Cat("EHLO ", Bytes(S(500)), "\r\nMAIL FROM:<", Bytes(S(500)), ">\r\nRCPT TO:<", Bytes(S(500)), ">\r\n"),
            Cat("220 ", Bytes(S(500), space: true), " ESMTP\r\n250 ok\r\n250 ok\r\n250 ok\r\n"),
            ["sniffer.smtp.banner", "sniffer.smtp.helo", "email.from.address", "email.to.address"]));

        // FTP, POP3, IMAP: banner and user name.
        cases.Add(new("ftp", false, Cat("USER ", Bytes(S(400)), "\r\nSYST\r\n"), Cat("220 ", Bytes(S(400), space: true), " FTP server ready\r\n331 ok\r\n"),
            ["sniffer.ftp.banner", "user.name"]));
        cases.Add(new("pop3", false, Cat("USER ", Bytes(S(400)), "\r\nCAPA\r\n"), Cat("+OK ", Bytes(S(400), space: true), " POP3 ready\r\n+OK\r\n"),
            ["sniffer.pop3.banner", "user.name"]));
        cases.Add(new("imap", false, Cat("a1 LOGIN ", Bytes(S(400)), " secret\r\n"), Cat("* OK ", Bytes(S(400), space: true), " IMAP4rev1 ready\r\na1 OK\r\n"),
            ["sniffer.imap.banner", "user.name"]));

        // DNS over UDP: a question of hostile labels; TXT and CNAME answers.
        cases.Add(new("dns", true, DnsQuery(), DnsAnswer(huge ? 60_000 : 1000), ["dns.question.name", "dns.answers[].data"]));

        // MQTT CONNECT: client id, will topic, user name.
        cases.Add(new("mqtt", false, MqttConnect(S16(600)), [0x20, 0x02, 0x00, 0x00], ["sniffer.mqtt.client_id", "sniffer.mqtt.will_topic", "user.name"]));

        // SIP over UDP: request URI, From, To, Call-ID, User-Agent.
        cases.Add(new("sip", true,
            Cat("REGISTER sip:", Bytes((huge ? 12_000 : 400)), " SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060\r\nFrom: ", Bytes((huge ? 12_000 : 400), space: true),
                "\r\nTo: ", Bytes((huge ? 12_000 : 400), space: true), "\r\nCall-ID: ", Bytes((huge ? 12_000 : 400)), "\r\nCSeq: 1 REGISTER\r\nUser-Agent: ",
                Bytes((huge ? 12_000 : 400), space: true), "\r\nContent-Length: 0\r\n\r\n"),
            [], ["sniffer.sip.uri", "sniffer.sip.from", "sniffer.sip.to", "sniffer.sip.call_id", "user_agent.original"]));

        // RTSP: URI, User-Agent; Server.
        cases.Add(new("rtsp", false,
            Cat("OPTIONS rtsp://", Bytes(S(700)), " RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: ", Bytes(S(400), space: true), "\r\n\r\n"),
            Cat("RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: ", Bytes(S(400), space: true), "\r\n\r\n"),
            ["url.original", "user_agent.original", "sniffer.rtsp.server"]));

        // PostgreSQL startup: user, database, application_name (NUL-terminated).
        int pg = huge ? 3000 : 500;
        var startup = Cat(U32(196608), "user\0", Bytes(pg), "\0database\0", Bytes(pg), "\0application_name\0", Bytes(pg), "\0\0");
        cases.Add(new("postgresql", false, Cat(U32(startup.Length + 4), startup), Cat("R", U32(8), U32(0)),
            huge ? [] : ["user.name", "sniffer.postgresql.database", "sniffer.postgresql.application_name"]));

        // Syslog (RFC 5424) over UDP: hostname, app-name, procid, msgid (tokens of at most 255 bytes).
        cases.Add(new("syslog", true,
            Cat("<34>1 2026-11-26T22:14:15.003Z ", Bytes(250), " ", Bytes(250), " ", Bytes(250), " ", Bytes(250), " - ", Bytes(S16(1000), space: true)),
            [], ["log.syslog.hostname", "log.syslog.appname", "log.syslog.procid", "log.syslog.msgid"]));

        // TFTP read request: file name.
        cases.Add(new("tftp", true, Cat((byte)0, (byte)1, Bytes(huge ? 60_000 : 800), (byte)0, "octet", (byte)0), [], ["sniffer.tftp.filename"]));

        // IRC: a valid nick, USER with a hostile user name; the server's prefix.
        cases.Add(new("irc", false,
            Cat("NICK ", "[a]\\`_^{|}-x", "\r\nUSER ", Bytes(S(300)), " 0 * :", Bytes(S(300), space: true), "\r\n"),
            Cat(":", Bytes(S(300)), " 001 nick :Welcome\r\n"),
            ["user.name", "sniffer.irc.server"]));

        // XMPP stream header: to.
        cases.Add(new("xmpp", false,
            Cat("<?xml version='1.0'?><stream:stream to='", Bytes(S16(400), quote: false).Where(b => b is not ((byte)'<' or (byte)'>' or (byte)'/')).ToArray(), "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"),
            [], ["sniffer.xmpp.to"]));

        // Git daemon request: path, host.
        int git = huge ? 30_000 : 400;
        var gitLine = Cat("git-upload-pack /", Bytes(git), "\0host=", Bytes(git), "\0");
        cases.Add(new("git", false, Cat(Encoding.ASCII.GetBytes((gitLine.Length + 4).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)), gitLine), [],
            ["sniffer.git.path", "sniffer.git.host"]));

        // SNMP v2c GetRequest: community (NUL and all).
        cases.Add(new("snmp", true, SnmpGet(Bytes(huge ? 60_000 : 200, nul: true)), [], ["sniffer.snmp.community"]));

        // STUN Binding request: SOFTWARE and USERNAME attributes.
        cases.Add(new("stun", true, StunRequest(Bytes(huge ? 4000 : 400, space: true), Bytes(huge ? 4000 : 500)), [], ["sniffer.stun.software", "sniffer.stun.username"]));

        // Kafka ApiVersions request: client id (printable ASCII only).
        cases.Add(new("kafka", false, KafkaRequest(Ascii(huge ? 30_000 : 400)), [], huge ? [] : ["sniffer.kafka.client_id"]));

        // LDAP simple bind: DN.
        cases.Add(new("ldap", false, LdapBind(Bytes(huge ? 60_000 : 900, nul: true)), [], ["sniffer.ldap.bind_dn", "user.name"]));

        // Bitcoin version message: user agent (a one-byte compact size: at most 252 bytes are read).
        cases.Add(new("bitcoin", false, BitcoinVersion(Bytes(huge ? 60_000 : 250, nul: true)), [], ["sniffer.bitcoin.user_agent"]));

        // MySQL server greeting: server version (printable ASCII only).
        cases.Add(new("mysql", false, [], MySqlGreeting(Ascii(huge ? 4000 : 100)), huge ? [] : ["sniffer.mysql.server_version"]));

        return cases;
    }


    private static byte[] ClientHello(byte[] sni, byte[] alpn)
    {
        var sniExt = Cat(U16(sni.Length + 3), (byte)0, U16(sni.Length), sni);
        var alpnList = Cat((byte)alpn.Length, alpn, (byte)2, "h2");
        var alpnExt = Cat(U16(alpnList.Length), alpnList);
        var extensions = Cat(U16(0), U16(sniExt.Length), sniExt, U16(16), U16(alpnExt.Length), alpnExt,
            U16(10), U16(4), U16(2), U16(29), U16(43), U16(3), (byte)2, U16(0x0303));
        var body = Cat(U16(0x0303), new byte[32], (byte)0, U16(4), U16(0xC02F), U16(0x1301), (byte)1, (byte)0, U16(extensions.Length), extensions);
        var handshake = Cat((byte)1, U24(body.Length), body);
        return Cat((byte)0x16, U16(0x0301), U16(handshake.Length), handshake);
    }

    private static byte[] ServerHello(byte[] alpn)
    {
        var alpnList = Cat((byte)alpn.Length, alpn);
        var extensions = Cat(U16(16), U16(alpnList.Length + 2), U16(alpnList.Length), alpnList);
        var body = Cat(U16(0x0303), new byte[32], (byte)0, U16(0xC02F), (byte)0, U16(extensions.Length), extensions);
        var handshake = Cat((byte)2, U24(body.Length), body);
        return Cat((byte)0x16, U16(0x0303), U16(handshake.Length), handshake);
    }

    private static byte[] DnsName(int labels)
    {
        var ms = new MemoryStream();
        for (int i = 0; i < labels; i++)
        {
            var label = Bytes(60, nul: true, space: true);
            ms.WriteByte((byte)label.Length);
            ms.Write(label);
        }

        ms.WriteByte(0);
        return ms.ToArray();
    }

    private static byte[] DnsQuery() => Cat(U16(0x1234), U16(0x0100), U16(1), U16(0), U16(0), U16(0), DnsName(4), U16(16), U16(1));

    private static byte[] DnsAnswer(int n)
    {
        var txt = new MemoryStream();
        for (int left = Math.Min(n, 4000); left > 0; left -= 255)
        {
            var s = Bytes(Math.Min(255, left), nul: true, space: true);
            txt.WriteByte((byte)s.Length);
            txt.Write(s);
        }

        var cname = DnsName(4);
        return Cat(U16(0x1234), U16(0x8180), U16(1), U16(2), U16(0), U16(0), DnsName(4), U16(16), U16(1),
            U16(0xC00C), U16(16), U16(1), U32(60), U16((int)txt.Length), txt.ToArray(),
            U16(0xC00C), U16(5), U16(1), U32(60), U16(cname.Length), cname);
    }

    private static byte[] MqttConnect(int n)
    {
        var id = Bytes(n);
        var topic = Bytes(n);
        var user = Bytes(n);
        var rest = Cat(U16(4), "MQTT", (byte)4, (byte)0x86, U16(60), U16(id.Length), id, U16(topic.Length), topic, U16(1), "x", U16(user.Length), user);
        var length = new List<byte>();
        int v = rest.Length;
        do
        {
            byte digit = (byte)(v % 128);
            v /= 128;
            length.Add(v > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (v > 0);

        return Cat((byte)0x10, length.ToArray(), rest);
    }

    private static byte[] SnmpGet(byte[] community)
    {
        var varbind = Tlv(0x30, Cat(Tlv(0x06, [0x2B, 6, 1, 2, 1, 1, 1, 0]), new byte[] { 0x05, 0x00 }));
        var pdu = Tlv(0xA0, Cat(Tlv(0x02, [0x01]), Tlv(0x02, [0x00]), Tlv(0x02, [0x00]), Tlv(0x30, varbind)));
        return Tlv(0x30, Cat(Tlv(0x02, [0x01]), Tlv(0x04, community), pdu));
    }

    private static byte[] StunAttribute(int type, byte[] value) =>
        Cat(U16(type), U16(value.Length), value, new byte[(4 - (value.Length % 4)) % 4]);

    private static byte[] StunRequest(byte[] software, byte[] username)
    {
        var attrs = Cat(StunAttribute(0x8022, software), StunAttribute(0x0006, username));
        return Cat(U16(0x0001), U16(attrs.Length), U32(0x2112A442), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, attrs);
    }

    private static byte[] KafkaRequest(byte[] clientId)
    {
        var body = Cat(U16(18), U16(0), U32(1), U16(clientId.Length), clientId);
        return Cat(U32(body.Length), body);
    }

    private static byte[] LdapBind(byte[] dn)
    {
        var bind = Tlv(0x60, Cat(Tlv(0x02, [0x03]), Tlv(0x04, dn), Tlv(0x80, "secret"u8.ToArray())));
        return Tlv(0x30, Cat(Tlv(0x02, [0x01]), bind));
    }

    private static byte[] BitcoinVersion(byte[] userAgent)
    {
        var addr = new byte[26];
        var ua = userAgent.Length < 0xFD ? Cat((byte)userAgent.Length, userAgent) : Cat((byte)0xFD, (byte)userAgent.Length, (byte)(userAgent.Length >> 8), userAgent);
        var payload = Cat(new byte[] { 0x7F, 0x11, 0x01, 0x00 }, new byte[8], new byte[8], addr, addr, new byte[8], ua, new byte[4], (byte)1);
        var checksum = SHA256.HashData(SHA256.HashData(payload))[..4];
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, payload.Length);
        return Cat(new byte[] { 0xF9, 0xBE, 0xB4, 0xD9 }, "version\0\0\0\0\0", length, checksum, payload);
    }

    private static byte[] MySqlGreeting(byte[] version)
    {
        var payload = Cat((byte)10, "5.7.", version, (byte)0, new byte[] { 1, 0, 0, 0 }, "abcdefgh", (byte)0, U16(0xFFF7), (byte)33, U16(2), U16(0x81FF),
            (byte)21, new byte[10], "ijklmnopqrst", (byte)0, "mysql_native_password", (byte)0);
        return Cat((byte)payload.Length, (byte)(payload.Length >> 8), (byte)0, (byte)0, payload);
    }

    /// <summary>All cases as flows in one Ethernet capture, client port 40000 + index, server port 3624.</summary>
    public static byte[] Capture(List<Case> cases)
    {
        var frames = new List<CapturedFrame>();
        long t = 1_750_000_000_000_000_000L;
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            ushort port = (ushort)(40000 + i);
            string client = $"10.7.{i / 250}.{(i % 250) + 1}";
            if (c.Udp)
            {
                frames.Add(new(t += 1_000_000, FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4(client, "10.8.0.1", 17, UdpDatagram(port, 3624, c.Client)))));
                if (c.Server.Length > 0)
                {
                    frames.Add(new(t += 1_000_000, FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4("10.8.0.1", client, 17, UdpDatagram(3624, port, c.Server)))));
                }

                continue;
            }

            var conv = new TcpConversation(client, port, "10.8.0.1", 3624, t);
            conv.Handshake();
            if (c.Client.Length > 0)
            {
                conv.ClientData(c.Client, segments: Math.Max(1, c.Client.Length / 1400));
            }

            if (c.Server.Length > 0)
            {
                conv.ServerData(c.Server, segments: Math.Max(1, c.Server.Length / 1400));
            }

            conv.Close();
            frames.AddRange(conv.Frames);
            t = conv.Frames[^1].TimestampNs + 1_000_000;
        }

        return CaptureBuilder.Pcap(1, frames);
    }

    /// <summary>A UDP header with a length field that fits (a datagram above 65,535 bytes keeps the low bits; IPv4 total length then lies, which is hostile too).</summary>
    private static byte[] UdpDatagram(ushort sport, ushort dport, byte[] payload)
    {
        var u = FrameBuilder.Udp(sport, dport, payload);
        return u;
    }

    /// <summary>The documented limits: the table under "## String limits" in docs/schema.md, field → characters.</summary>
    public static Dictionary<string, int> DocumentedLimits()
    {
        string doc = File.ReadAllText(Path.Combine(SnifferBinary.RepoRoot, "docs", "schema.md"));
        int start = doc.IndexOf("\n## String limits", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/schema.md has no '## String limits' section");
        int end = doc.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var limits = new Dictionary<string, int>();
        foreach (var line in doc[start..(end < 0 ? doc.Length : end)].Split('\n'))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 4 || !cells[1].StartsWith('`'))
            {
                continue;
            }

            int limit = int.Parse(cells[2].Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var field in cells[1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                limits[field.Trim('`')] = limit;
            }
        }

        return limits;
    }

    /// <summary>Longest value of a string field not in the table (vocabulary, numbers as text, hex, hashes, times).</summary>
    public const int UnlistedMaxLength = 128;

    /// <summary>
    /// Every line is exactly one JSON object, has no raw control character and no raw U+2028/U+2029, and every
    /// string value is within its documented limit (a cut value: the limit, then the mark).
    /// </summary>
    public static List<JsonElement> AssertSafe(byte[] ndjson, Dictionary<string, int> limits)
    {
        for (int i = 0; i < ndjson.Length; i++)
        {
            byte b = ndjson[i];
            Assert.False(b < 0x20 && b != (byte)'\n', $"raw control byte 0x{b:x2} at offset {i}");
            Assert.False(b == 0xE2 && i + 2 < ndjson.Length && ndjson[i + 1] == 0x80 && (ndjson[i + 2] == 0xA8 || ndjson[i + 2] == 0xA9),
                $"raw U+2028/U+2029 at offset {i}");
        }

        var records = PipelineRunner.ParseLines(ndjson); // one object a line, valid UTF-8
        foreach (var r in records)
        {
            Walk(r, "", limits);
        }

        return records;
    }

    private static void Walk(JsonElement e, string path, Dictionary<string, int> limits)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Walk(p.Value, path.Length == 0 ? p.Name : $"{path}.{p.Name}", limits);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Walk(item, path + "[]", limits);
                }

                break;
            case JsonValueKind.String:
                string value = e.GetString()!;
                if (limits.TryGetValue(path, out int limit))
                {
                    Assert.True(value.Length <= limit || (value.Length == limit + 1 && value[^1] == '\u2026') || (value.Length <= limit + 1 && value[^1] == '\u2026'),
                        $"{path}: {value.Length} characters, documented limit {limit}");
                }
                else
                {
                    Assert.True(value.Length <= UnlistedMaxLength, $"{path}: {value.Length} characters and no documented limit in docs/schema.md");
                }

                break;
        }
    }
}
