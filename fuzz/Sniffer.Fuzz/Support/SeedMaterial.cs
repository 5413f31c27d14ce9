using System.Buffers.Binary;
using System.Text;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Support;

/// <summary>One TCP segment of a recorded conversation, as the TCP reassembly harness encodes it.</summary>
internal readonly record struct Segment(bool FromClient, uint Sequence, uint Acknowledgment, TcpFlags Flags, byte[] Payload);

/// <summary>The start of one real flow: its segments (TCP) and the first bytes of each direction.</summary>
internal sealed record RealFlow(string Name, bool Udp, List<Segment> Segments, byte[] Client, byte[] Server);

/// <summary>The first packets of one real capture file.</summary>
internal sealed record RealCapture(string Name, List<(int LinkType, byte[] Frame)> Packets);

/// <summary>
/// What the seeds are made of: conversations built with the test suite's builders (HTTP, TLS, SSH, binary, UDP),
/// and — when <c>--real</c> names a folder of captures (e.g. the nDPI captures in shared/corpus/ndpi/pcap) —
/// a few real files, real packets and the first bytes of real flows.
/// </summary>
internal sealed class SeedMaterial
{
    /// <summary>Real files at most this large are seeds as they are.</summary>
    public const int MaxRealFileBytes = 8 * 1024;
    /// <summary>Packets kept from each real capture.</summary>
    public const int MaxRealPackets = 24;
    /// <summary>Bytes kept of each direction of a real flow.</summary>
    public const int MaxFlowBytes = 1024;

    public const ushort Port = 3624;

    public static readonly byte[] HttpRequest =
        "GET /index.html HTTP/1.1\r\nHost: demo.sniffer.test:3624\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"u8.ToArray();

    public static readonly byte[] HttpResponse =
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"u8.ToArray();

    public static readonly byte[] SshClientBanner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"u8.ToArray();
    public static readonly byte[] SshServerBanner = "SSH-2.0-OpenSSH_8.4p1 Ubuntu-5ubuntu1.2\r\n"u8.ToArray();

    public List<(string Name, List<CapturedFrame> Frames)> Conversations { get; } = [];
    public List<(string Name, byte[] Bytes)> RealFiles { get; } = [];
    public List<RealCapture> RealCaptures { get; } = [];
    public List<RealFlow> RealFlows { get; } = [];

    public static SeedMaterial Load(string? realDir)
    {
        var m = new SeedMaterial();
        m.Conversations.Add(("http", Tcp(c => c.Handshake().ClientData(HttpRequest, segments: 2).ServerData(HttpResponse).Close())));
        m.Conversations.Add(("tls", Tcp(c => c.Handshake().ClientData(TlsClientHello("demo.sniffer.test"), segments: 3).ServerData(TlsServerHello()).Reset())));
        m.Conversations.Add(("ssh", Tcp(c => c.Handshake().ServerData(SshServerBanner).ClientData(SshClientBanner).ClientData(SshKexInit()).Close())));
        m.Conversations.Add(("binary-midstream", Tcp(c =>
        {
            c.ClientData(Binary(300, 1));
            c.ServerData(Binary(40, 2));
            return c;
        })));
        m.Conversations.Add(("udp", Udp()));
        if (realDir is not null)
        {
            m.LoadReal(realDir);
        }

        return m;
    }

    private static List<CapturedFrame> Tcp(Func<TcpConversation, TcpConversation> build) =>
        build(new TcpConversation("10.1.1.1", 50000, "10.2.2.2", Port)).Frames;

    private static List<CapturedFrame> Udp()
    {
        long ts = 1_750_000_000_000_000_000L;
        return
        [
            new(ts, FrameBuilder.UdpFrame("10.1.1.1", 53000, "10.2.2.2", Port, DnsQuery("example.com"))),
            new(ts + 1_000_000, FrameBuilder.UdpFrame("10.2.2.2", Port, "10.1.1.1", 53000, Binary(48, 3))),
        ];
    }

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Binary(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static byte[] DnsQuery(string name)
    {
        var b = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (string label in name.Split('.'))
        {
            b.Add((byte)label.Length);
            b.AddRange(Encoding.ASCII.GetBytes(label));
        }

        b.AddRange([0, 0, 1, 0, 1]);
        return [.. b];
    }

    /// <summary>A TLS 1.3-style ClientHello record with SNI, ALPN, supported_versions and key_share.</summary>
    public static byte[] TlsClientHello(string sni)
    {
        var ext = new List<byte>();
        byte[] host = Encoding.ASCII.GetBytes(sni);
        Ext(ext, 0x0000, [.. U16(host.Length + 3), 0, .. U16(host.Length), .. host]);
        Ext(ext, 0x000a, [0, 4, 0, 0x1d, 0, 0x17]);
        Ext(ext, 0x0010, [0, 12, 2, (byte)'h', (byte)'2', 8, .. "http/1.1"u8]);
        Ext(ext, 0x000d, [0, 4, 0x04, 0x03, 0x08, 0x04]);
        Ext(ext, 0x002b, [4, 0x03, 0x04, 0x03, 0x03]);
        Ext(ext, 0x0033, [0, 36, 0, 0x1d, 0, 32, .. Binary(32, 4)]);
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(Binary(32, 5));
        body.Add(32);
        body.AddRange(Binary(32, 6));
        body.AddRange([0, 6, 0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, 1, 0]);
        body.AddRange(U16(ext.Count));
        body.AddRange(ext);
        return Record(0x16, [1, .. U24(body.Count), .. body]);
    }

    public static byte[] TlsServerHello()
    {
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(Binary(32, 7));
        body.Add(0);
        body.AddRange([0x13, 0x01, 0]);
        var ext = new List<byte>();
        Ext(ext, 0x002b, [0x03, 0x04]);
        Ext(ext, 0x0033, [0, 0x1d, 0, 32, .. Binary(32, 8)]);
        body.AddRange(U16(ext.Count));
        body.AddRange(ext);
        return [.. Record(0x16, [2, .. U24(body.Count), .. body]), .. Record(0x14, [1]), .. Record(0x17, Binary(64, 9))];
    }

    /// <summary>An SSH binary packet carrying SSH_MSG_KEXINIT (RFC 4253 §7.1).</summary>
    public static byte[] SshKexInit()
    {
        var payload = new List<byte> { 20 };
        payload.AddRange(Binary(16, 10));
        foreach (string list in (string[])["curve25519-sha256,ecdh-sha2-nistp256", "ssh-ed25519,rsa-sha2-512", "aes128-ctr,chacha20-poly1305@openssh.com", "aes128-ctr,chacha20-poly1305@openssh.com", "hmac-sha2-256", "hmac-sha2-256", "none,zlib@openssh.com", "none,zlib@openssh.com", "", ""])
        {
            payload.AddRange(U32(list.Length));
            payload.AddRange(Encoding.ASCII.GetBytes(list));
        }

        payload.AddRange([0, 0, 0, 0, 0]);
        int padding = 8 - ((payload.Count + 5) % 8);
        padding = padding < 4 ? padding + 8 : padding;
        return [.. U32(payload.Count + padding + 1), (byte)padding, .. payload, .. new byte[padding]];
    }

    private static void Ext(List<byte> to, int type, byte[] data)
    {
        to.AddRange(U16(type));
        to.AddRange(U16(data.Length));
        to.AddRange(data);
    }

    private static byte[] Record(byte type, byte[] fragment) => [type, 0x03, 0x01, .. U16(fragment.Length), .. fragment];

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    private static byte[] U24(int v) => [(byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static byte[] U32(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        return b;
    }

    private void LoadReal(string dir)
    {
        foreach (string path in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path).Replace('.', '-');
            byte[] bytes = File.ReadAllBytes(path);
            var sink = new CollectingSink();
            try
            {
                using var reader = new CaptureFileReader(name, new MemoryStream(bytes));
                reader.Run(sink, CancellationToken.None);
            }
            catch (CaptureException)
            {
                continue;
            }

            if (bytes.Length <= MaxRealFileBytes)
            {
                RealFiles.Add((name, bytes));
            }

            RealCaptures.Add(new RealCapture(name, [.. sink.Packets.Take(MaxRealPackets).Select(p => (p.LinkType, p.Data))]));
            if (FirstFlow(name, sink.Packets) is { } flow)
            {
                RealFlows.Add(flow);
            }
        }
    }

    /// <summary>The first TCP or UDP flow of a capture that carries payload, both directions cut to <see cref="MaxFlowBytes"/>.</summary>
    private static RealFlow? FirstFlow(string name, List<(int LinkType, long Ts, byte[] Data, int Wire)> packets)
    {
        var anomalies = new AnomalyCounters();
        DecodedPacket first = default;
        bool haveFirst = false;
        var segments = new List<Segment>();
        var client = new List<byte>();
        var server = new List<byte>();
        foreach (var (linkType, _, data, _) in packets)
        {
            var p = default(DecodedPacket);
            if (PacketDecoder.Decode(linkType, data, ref p, anomalies) != DecodeStatus.Ok)
            {
                continue;
            }

            if (!haveFirst)
            {
                if (p.PayloadLength == 0 && (p.TcpFlags & TcpFlags.Syn) == 0)
                {
                    continue;
                }

                first = p;
                haveFirst = true;
            }

            bool fromClient = p.Source == first.Source && p.SourcePort == first.SourcePort && p.Destination == first.Destination && p.DestinationPort == first.DestinationPort;
            bool fromServer = p.Source == first.Destination && p.SourcePort == first.DestinationPort && p.Destination == first.Source && p.DestinationPort == first.SourcePort;
            if (p.Protocol != first.Protocol || !(fromClient || fromServer))
            {
                continue;
            }

            var side = fromClient ? client : server;
            int room = MaxFlowBytes - side.Count;
            byte[] payload = data.AsSpan(p.PayloadOffset, Math.Min(p.PayloadLength, Math.Max(0, room))).ToArray();
            if (p.IsTcp)
            {
                segments.Add(new Segment(fromClient, p.Sequence, p.Acknowledgment, p.TcpFlags, payload));
            }
            else if (side.Count > 0)
            {
                continue; // UDP fingerprinters see the first datagram of each direction
            }

            side.AddRange(payload);
            if (client.Count >= MaxFlowBytes && server.Count >= MaxFlowBytes)
            {
                break;
            }
        }

        return haveFirst && client.Count + server.Count > 0
            ? new RealFlow(name, !first.IsTcp, segments, [.. client], [.. server])
            : null;
    }
}
