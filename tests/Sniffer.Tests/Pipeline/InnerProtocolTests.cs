using System.Text;
using System.Text.Json;
using Sniffer.Tests.Support;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;

namespace Sniffer.Tests.Pipeline;

/// <summary>
/// A protocol inside another (STARTTLS, PostgreSQL SSLRequest, MySQL SSL, RDP over TLS, SOCKS and HTTP CONNECT
/// tunnels): the outer protocol stays in network.protocol, the inner one goes to sniffer.inner.*, and the inner
/// protocol's fields (TLS SNI, JA3, JA4) are in the record. The TLS bytes are a real OpenSSL handshake
/// (samples/port3624.pcap), so the fingerprints must equal those of the same handshake on its own.
/// </summary>
public class InnerProtocolTests
{
    private static readonly (byte[] Client, byte[] Server) Tls = SampleStreams.Tls;

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static JsonElement RunConversation(Action<TcpConversation> talk, int segments = 1)
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake();
        talk(c);
        c.ClientData(Tls.Client, segments).ServerData(Tls.Server, segments).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        return Assert.Single(records.Action("flow_end"));
    }

    /// <summary>The record of the same TLS handshake on its own: the reference fingerprints.</summary>
    private static JsonElement PlainTls()
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake()
            .ClientData(Tls.Client).ServerData(Tls.Server).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        return Assert.Single(records.Action("flow_end"));
    }

    private static void AssertTlsInside(JsonElement end, string outer)
    {
        var plain = PlainTls();
        Assert.Equal(outer, end.Str("network.protocol"));
        Assert.Equal("tls", end.Str("sniffer.inner.protocol"));
        Assert.Equal("tls.client_hello", end.Str("sniffer.inner.evidence"));
        Assert.Equal("high", end.Str("sniffer.inner.confidence"));
        Assert.Equal("demo.sniffer.test", end.Str("tls.client.server_name"));
        Assert.Equal(plain.Str("tls.client.ja3"), end.Str("tls.client.ja3"));
        Assert.Equal(plain.Str("tls.server.ja3s"), end.Str("tls.server.ja3s"));
        Assert.Equal(plain.Str("sniffer.tls.client.ja4"), end.Str("sniffer.tls.client.ja4"));
        Assert.NotNull(end.Str("tls.client.ja3"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void SmtpStartTls(int segments)
    {
        var end = RunConversation(c => c
            .ServerData(Ascii("220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n"))
            .ClientData(Ascii("EHLO client.example.org\r\n"))
            .ServerData(Ascii("250-mail.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n"))
            .ClientData(Ascii("STARTTLS\r\n"))
            .ServerData(Ascii("220 2.0.0 Ready to start TLS\r\n")), segments);
        AssertTlsInside(end, "smtp");
        Assert.Equal("True", end.Str("sniffer.smtp.starttls"));
    }

    /// <summary>The port summary counts what ran inside the outer protocol, beside its fingerprints.</summary>
    [Fact]
    public void PortSummaryCountsInnerProtocols()
    {
        var frames = new List<CapturedFrame>();
        for (int i = 0; i < 3; i++)
        {
            var c = new TcpConversation("10.1.1.1", (ushort)(51000 + i), "10.2.2.2", 3624, startNs: 1_700_000_000_000_000_000L + (i * 1_000_000_000L)).Handshake()
                .ServerData(Ascii("220 mail.example.org ESMTP Postfix\r\n"))
                .ClientData(Ascii("EHLO client.example.org\r\n"))
                .ServerData(Ascii("250-mail.example.org\r\n250 STARTTLS\r\n"));
            if (i < 2)
            {
                c.ClientData(Ascii("STARTTLS\r\n")).ServerData(Ascii("220 2.0.0 Ready to start TLS\r\n"))
                    .ClientData(Tls.Client).ServerData(Tls.Server);
            }
            else
            {
                c.ClientData(Ascii("QUIT\r\n")).ServerData(Ascii("221 Bye\r\n"));
            }

            frames.AddRange(c.Close().Frames);
        }

        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var summary = Assert.Single(records.Action("port_summary"));
        var smtp = Assert.Single(summary.Get("sniffer.protocols")!.Value.EnumerateArray());
        Assert.Equal("smtp", smtp.Str("name"));
        Assert.Equal("3", smtp.Str("flows"));
        var inner = Assert.Single(smtp.Get("inner")!.Value.EnumerateArray());
        Assert.Equal("tls", inner.Str("value"));
        Assert.Equal("2", inner.Str("flows"));
        Assert.Contains(smtp.Get("fingerprints")!.Value.EnumerateArray(), f => f.Str("value")!.StartsWith("ja4:", StringComparison.Ordinal));
    }

    [Fact]
    public void StartTlsRefusedHasNoInnerProtocol()
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake()
            .ServerData(Ascii("220 mail.example.org ESMTP\r\n"))
            .ClientData(Ascii("EHLO x\r\n")).ServerData(Ascii("250 mail.example.org\r\n"))
            .ClientData(Ascii("STARTTLS\r\n")).ServerData(Ascii("454 4.7.0 TLS not available\r\n"))
            .ClientData(Ascii("QUIT\r\n")).ServerData(Ascii("221 Bye\r\n")).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("smtp", end.Str("network.protocol"));
        Assert.Null(end.Get("sniffer.inner"));
        Assert.Null(end.Get("tls"));
    }

    [Fact]
    public void ImapAndPop3AndFtpStartTls()
    {
        AssertTlsInside(RunConversation(c => c
            .ServerData(Ascii("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n"))
            .ClientData(Ascii("a1 STARTTLS\r\n"))
            .ServerData(Ascii("a1 OK Begin TLS negotiation now.\r\n"))), "imap");
        AssertTlsInside(RunConversation(c => c
            .ServerData(Ascii("+OK Dovecot ready.\r\n"))
            .ClientData(Ascii("STLS\r\n"))
            .ServerData(Ascii("+OK Begin TLS negotiation now.\r\n"))), "pop3");
        AssertTlsInside(RunConversation(c => c
            .ServerData(Ascii("220 (vsFTPd 3.0.3)\r\n"))
            .ClientData(Ascii("AUTH TLS\r\n"))
            .ServerData(Ascii("234 Proceed with negotiation.\r\n"))), "ftp");
    }

    [Fact]
    public void PostgreSqlSslRequest()
    {
        var end = RunConversation(c => c.ClientData(PgSslRequest).ServerData("S"u8));
        AssertTlsInside(end, "postgresql");
        Assert.Equal("True", end.Str("sniffer.postgresql.ssl_request"));
    }

    [Fact]
    public void MySqlSslRequest()
    {
        var sslRequest = Convert.FromHexString("2000000185ae7f0000000001210000000000000000000000000000000000000000000000");
        var end = RunConversation(c => c.ServerData(MyGreeting).ClientData(sslRequest));
        AssertTlsInside(end, "mysql");
        Assert.Equal("MariaDB", end.Str("sniffer.application.name"));
    }

    [Fact]
    public void RdpOverTls()
    {
        // X.224 Connection Request with RDP_NEG_REQ (SSL | HYBRID), Connection Confirm selecting SSL.
        var request = Convert.FromHexString("030000130ee000000000000100080003000000");
        var confirm = Convert.FromHexString("030000130ed000001234000200080001000000");
        var end = RunConversation(c => c.ClientData(request).ServerData(confirm));
        AssertTlsInside(end, "rdp");
        Assert.Equal("ssl", end.Str("sniffer.rdp.selected_protocol"));
    }

    [Fact]
    public void Socks5TunnelCarryingTls()
    {
        var end = RunConversation(c => c
            .ClientData([5, 1, 0]).ServerData([5, 0])
            .ClientData([5, 1, 0, 3, 17, .. Ascii("demo.sniffer.test"), 0x01, 0xBB])
            .ServerData([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
        AssertTlsInside(end, "socks");
        Assert.Equal("demo.sniffer.test:443", end.Str("sniffer.socks.target"));
    }

    [Fact]
    public void Socks4TunnelCarryingHttp()
    {
        var c = new TcpConversation("10.1.1.1", 51000, "10.2.2.2", 3624).Handshake()
            .ClientData([4, 1, 0, 80, 93, 184, 216, 34, .. Ascii("bob"), 0])
            .ServerData([0, 0x5A, 0, 0, 0, 0, 0, 0])
            .ClientData(Ascii("GET /x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/7.88.1\r\n\r\n"))
            .ServerData(Ascii("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n")).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, c.Frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("socks", end.Str("network.protocol"));
        Assert.Equal("http", end.Str("sniffer.inner.protocol"));
        Assert.Equal("nginx", end.Str("sniffer.inner.application.name"));
        // SOCKS wrote user.name; the inner HTTP's ECS fields stay out (no key twice), its sniffer.* fields are in.
        Assert.Equal("bob", end.Str("user.name"));
        Assert.Null(end.Get("url"));
        Assert.Equal("nginx/1.22.1", end.Str("sniffer.http.server"));
    }

    [Fact]
    public void HttpConnectTunnel()
    {
        var end = RunConversation(c => c
            .ClientData(Ascii("CONNECT demo.sniffer.test:443 HTTP/1.1\r\nHost: demo.sniffer.test:443\r\nUser-Agent: curl/7.88.1\r\n\r\n"))
            .ServerData(Ascii("HTTP/1.1 200 Connection established\r\n\r\n")));
        AssertTlsInside(end, "http");
        Assert.Equal("CONNECT", end.Str("http.request.method"));
    }

    [Fact]
    public void WebRtcStunThenDtlsIsNamedDtls()
    {
        var request = Convert.FromHexString("000100002112a44253486b6846386f6477677956");
        var response = Convert.FromHexString("0101000c2112a44253486b6846386f64776779560020000800017d527c3d45a3");
        long t = 1_000_000_000;
        var frames = new List<CapturedFrame>();
        void Add(bool fromClient, byte[] payload) => frames.Add(new(t += 1_000_000, fromClient
            ? FrameBuilder.UdpFrame("10.1.1.1", 40000, "10.2.2.2", 3624, payload)
            : FrameBuilder.UdpFrame("10.2.2.2", 3624, "10.1.1.1", 40000, payload)));
        Add(true, request);
        Add(false, response);
        Add(true, request);
        Add(false, response);
        Add(true, Fingerprinting.DtlsTests.GoogleClientHello);
        Add(false, Fingerprinting.DtlsTests.GoogleServerHello);
        Add(true, [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("dtls", end.Str("network.protocol"));
        Assert.Equal("binding_request", end.Str("sniffer.stun.message_type"));
        Assert.Equal("dtls", end.Str("tls.version_protocol"));
        Assert.NotNull(end.Str("tls.client.ja3"));
        Assert.NotNull(end.Str("tls.server.ja3s"));
        Assert.StartsWith("dd", end.Str("sniffer.tls.client.ja4"));
        Assert.Null(end.Get("sniffer.inner"));

        // STUN alone stays stun.
        frames.RemoveRange(4, 3);
        (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames));
        Assert.Equal("stun", Assert.Single(records.Action("flow_end")).Str("network.protocol"));
    }

    [Fact]
    public void EveryLineStaysOneObjectWithoutDuplicateKeys()
    {
        var end = RunConversation(c => c.ClientData(PgSslRequest).ServerData("S"u8));
        var raw = end.GetRawText();
        using var doc = JsonDocument.Parse(raw);
        AssertNoDuplicateKeys(doc.RootElement);
    }

    internal static void AssertNoDuplicateKeys(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>();
            foreach (var p in e.EnumerateObject())
            {
                Assert.True(seen.Add(p.Name), $"duplicate key {p.Name}");
                AssertNoDuplicateKeys(p.Value);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray())
            {
                AssertNoDuplicateKeys(x);
            }
        }
    }
}
