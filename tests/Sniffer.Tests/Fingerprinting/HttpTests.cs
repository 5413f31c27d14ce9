using System.Text;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Http;
using Sniffer.Tests.Support;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class HttpTests
{
    private static readonly HttpFingerprinter Fp = HttpFingerprinter.Instance;

    private static byte[] Head(byte[] message)
    {
        int end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return message[..(end + 4)];
    }

    [Fact]
    public void RealCurlRequestAndPythonResponse()
    {
        var (client, server) = SampleStreams.Http;
        var r = Probe(Fp, Transport.Tcp, client, server);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("http.request_line", r.Evidence);
        var meta = Assert.IsType<HttpMetadata>(RunExtract(Fp, Transport.Tcp, client, server));
        using var doc = Json(meta);
        Assert.Equal("GET", Path(doc, "ecs.http.request.method"));
        Assert.Equal("1.1", Path(doc, "ecs.http.version"));
        Assert.Equal("200", Path(doc, "ecs.http.response.status_code"));
        Assert.Equal("text/html", Path(doc, "ecs.http.response.mime_type"));
        Assert.Equal("/index.html", Path(doc, "ecs.url.path"));
        Assert.Equal("127.0.0.1", Path(doc, "ecs.url.domain"));
        Assert.Equal("3624", Path(doc, "ecs.url.port"));
        Assert.Equal("curl/7.88.1", Path(doc, "ecs.user_agent.original"));
        Assert.Equal("curl", Path(doc, "ecs.user_agent.name"));
        Assert.Equal("7.88.1", Path(doc, "ecs.user_agent.version"));
        Assert.Equal("SimpleHTTP/0.6 Python/3.11.2", Path(doc, "sniffer.http.server"));
        Assert.Equal("SimpleHTTP", meta.ApplicationName);
        Assert.Equal("0.6", meta.ApplicationVersion);
    }

    [Fact]
    public void EitherSideAloneIsEnough()
    {
        var (client, server) = SampleStreams.Http;
        Assert.Equal("http.request_line", ProbeClient(Fp, Transport.Tcp, client).Evidence);
        var s = ProbeServer(Fp, Transport.Tcp, server);
        Assert.Equal(ProbeStatus.Match, s.Status);
        Assert.Equal("http.status_line", s.Evidence);
    }

    [Fact]
    public void EveryPrefixAndSplit()
    {
        var (client, server) = SampleStreams.Http;
        AssertPrefixes(Fp, Transport.Tcp, Head(client), asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, Head(server), asClient: false, datagram: false);
        AssertSplits(Fp, Transport.Tcp, client, server);
        Assert.Equal(ProbeStatus.NeedMoreData, ProbeClient(Fp, Transport.Tcp, "GE"u8.ToArray(), complete: false).Status);
        Assert.Equal(ProbeStatus.NeedMoreData, ProbeClient(Fp, Transport.Tcp, "GET /inde"u8.ToArray(), complete: false).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, "GEt /"u8.ToArray(), complete: false).Status);
    }

    [Theory]
    [InlineData("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n")]
    [InlineData("OPTIONS rtsp://10.0.0.1/stream RTSP/1.0\r\nCSeq: 1\r\n\r\n")]
    [InlineData("INVITE sip:bob@example.com SIP/2.0\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2p1\r\n")]
    [InlineData("220 mail.example.com ESMTP Postfix\r\n")]
    [InlineData("+OK POP3 ready\r\n")]
    [InlineData("* OK IMAP4rev1 ready\r\n")]
    [InlineData("*2\r\n$4\r\nPING\r\n")]
    public void OtherTextProtocolsDoNotMatch(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        Assert.NotEqual(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, bytes).Status);
        Assert.NotEqual(ProbeStatus.Match, ProbeServer(Fp, Transport.Tcp, bytes).Status);
    }

    [Fact]
    public void BinaryNegativesDoNotMatch()
    {
        var (tlsClient, tlsServer) = SampleStreams.Tls;
        var (sshClient, sshServer) = SampleStreams.Ssh;
        AssertNeverMatches(Fp, CommonNegatives().Where(b => !b.AsSpan().StartsWith("GET "u8) && !b.AsSpan().StartsWith("POST "u8) && !b.AsSpan().StartsWith("HTTP/"u8))
            .Concat([tlsClient, tlsServer, sshClient, sshServer]));
    }

    [Fact]
    public void HostileHeaderValuesAreBoundedAndSafe()
    {
        var ua = "Evil\u0001\u001b[31m\u2028" + new string('A', 3_000);
        var request = Encoding.UTF8.GetBytes($"GET /a%00?x=\u00ff HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: {ua}\r\nReferer: http://r/\r\n\r\n");
        request[^40] = 0xC3; // broken UTF-8 inside the User-Agent
        var meta = Assert.IsType<HttpMetadata>(RunExtract(Fp, Transport.Tcp, request, []));
        Assert.True(WireText.IsTruncated(meta.UserAgent));
        Assert.True(meta.UserAgent!.Length <= HttpMetadata.MaxHeaderValueLength + 1);
        Assert.Equal("::1", meta.Domain);
        Assert.Equal(8080, meta.Port);
        using var doc = Json(meta); // valid JSON whatever the bytes
        Assert.StartsWith("Evil\u0001", Path(doc, "ecs.user_agent.original"), StringComparison.Ordinal);
        AssertSurvivesMutations(Fp, Transport.Tcp, Head(SampleStreams.Http.Client));
    }

    [Theory]
    [InlineData("nginx/1.22.1", "nginx", "1.22.1")]
    [InlineData("Apache", "Apache", null)]
    [InlineData("Microsoft-IIS/10.0", "Microsoft-IIS", "10.0")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64)", "Mozilla", "5.0")]
    public void FirstProductToken(string value, string name, string? version)
    {
        var (n, v) = HttpMetadata.FirstProduct(Encoding.ASCII.GetBytes(value));
        Assert.Equal(name, n);
        Assert.Equal(version, v);
    }
}
