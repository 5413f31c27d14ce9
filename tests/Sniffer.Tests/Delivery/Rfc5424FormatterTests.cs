using System.Text;
using Sniffer.Output.Delivery;
using Xunit;

namespace Sniffer.Tests.Delivery;

public class Rfc5424FormatterTests
{
    /// <summary>2026-01-02T03:04:05.123456Z in microseconds since the epoch.</summary>
    private static readonly long Time = (new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).Ticks - DateTimeOffset.UnixEpoch.Ticks) / 10 + 123_456;

    private static string Format(Rfc5424Formatter f, string msgId, string msg, bool octetCounted = false, long time = -1)
    {
        var buffer = new byte[4096];
        int n = f.Format(buffer, time < 0 ? Time : time, Encoding.ASCII.GetBytes(msgId), Encoding.UTF8.GetBytes(msg), octetCounted);
        Assert.True(n > 0);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void HeaderFieldsInOrderWithNilStructuredData()
    {
        var f = new Rfc5424Formatter(SyslogFacility.Default, "sensor-1.example", 4242);
        Assert.Equal("<134>1 2026-01-02T03:04:05.123456Z sensor-1.example sniffer 4242 flow_end - {\"a\":1}",
            Format(f, "flow_end", "{\"a\":1}"));
    }

    [Theory]
    [InlineData(0, 6)]      // kern.info
    [InlineData(1, 14)]     // user.info
    [InlineData(16, 134)]   // local0.info
    [InlineData(23, 190)]   // local7.info
    public void PriorityIsFacilityTimesEightPlusInformational(int facility, int pri)
    {
        var f = new Rfc5424Formatter(facility, "h", 1);
        Assert.StartsWith($"<{pri}>1 ", Format(f, "flow_end", "{}"), StringComparison.Ordinal);
    }

    [Fact]
    public void OctetCountingPrefixIsTheByteLengthOfTheMessage()
    {
        var f = new Rfc5424Formatter(16, "h", 7);
        string msg = "{\"text\":\"héllo wörld — ü\"}"; // multi-byte UTF-8: the count is in octets, not characters
        string framed = Format(f, "port_summary", msg, octetCounted: true);
        string plain = Format(f, "port_summary", msg);
        int space = framed.IndexOf(' ', StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(plain), int.Parse(framed[..space], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(plain, framed[(space + 1)..]);
        Assert.Equal(f.HeaderLength("port_summary".Length) + Encoding.UTF8.GetByteCount(msg), Encoding.UTF8.GetByteCount(plain));
    }

    [Fact]
    public void MessageIsTheRecordWithoutBom()
    {
        var f = new Rfc5424Formatter(16, "h", 7);
        var buffer = new byte[256];
        int n = f.Format(buffer, Time, "flow_end"u8, "{\"x\":\"y\"}"u8, octetCounted: false);
        Assert.True(buffer.AsSpan(0, n).EndsWith(" - {\"x\":\"y\"}"u8));
        Assert.Equal(-1, buffer.AsSpan(0, n).IndexOf("\uFEFF"u8));
    }

    [Theory]
    [InlineData(null, "-")]
    [InlineData("", "-")]
    [InlineData("host name", "host_name")]
    [InlineData("hôte", "h_te")]
    public void HostnameIsNilOrPrintableAscii(string? hostname, string expected)
    {
        var f = new Rfc5424Formatter(16, hostname, 9);
        Assert.Equal($"<134>1 2026-01-02T03:04:05.123456Z {expected} sniffer 9 flow_end - {{}}", Format(f, "flow_end", "{}"));
    }

    [Fact]
    public void HostnameIsCutAt255()
    {
        var f = new Rfc5424Formatter(16, new string('a', 300), 9);
        string m = Format(f, "flow_end", "{}");
        Assert.Contains($" {new string('a', 255)} sniffer ", m, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('a', 256), m, StringComparison.Ordinal);
    }

    [Fact]
    public void TimestampIsUtcWithMicrosecondsAtMost()
    {
        var f = new Rfc5424Formatter(16, "h", 1);
        Assert.Contains(" 1970-01-01T00:00:00.000001Z ", Format(f, "-", "{}", time: 1), StringComparison.Ordinal);
        Assert.Contains(" 2026-01-02T03:04:05.123456Z ", Format(f, "-", "{}"), StringComparison.Ordinal);
        Assert.Contains(" 1970-01-01T00:00:00.000000Z ", Format(f, "-", "{}", time: 0), StringComparison.Ordinal);
    }

    [Fact]
    public void TooSmallDestinationIsRefusedNotOverrun()
    {
        var f = new Rfc5424Formatter(16, "h", 1);
        int needed = f.HeaderLength(8) + 2;
        var exact = new byte[needed];
        Assert.Equal(needed, f.Format(exact, Time, "flow_end"u8, "{}"u8, octetCounted: false));
        Assert.Equal(-1, f.Format(new byte[needed - 1], Time, "flow_end"u8, "{}"u8, octetCounted: false));
        Assert.Equal(-1, f.Format(new byte[needed + 1], Time, "flow_end"u8, "{}"u8, octetCounted: true)); // no room for "NN "
        Assert.Equal(needed + 3, f.Format(new byte[needed + 3], Time, "flow_end"u8, "{}"u8, octetCounted: true));
    }

    [Theory]
    [InlineData("{\"@timestamp\":\"x\",\"event\":{\"kind\":\"event\",\"action\":\"flow_end\"}}", "flow_end")]
    [InlineData("{\"event\":{\"action\":\"protocol_detected\"}}", "protocol_detected")]
    [InlineData("{\"event\":{\"action\":\"port_summary\"}}", "port_summary")]
    [InlineData("{\"event\":{}}", "-")]
    [InlineData("{\"x\":\"\\\"action\\\":\\\"evil\\\"\"}", "-")] // inside a string the quotes are escaped
    [InlineData("{\"event\":{\"action\":\"\"}}", "-")]
    [InlineData("{\"event\":{\"action\":\"has space\"}}", "-")]
    [InlineData("{\"event\":{\"action\":\"a23456789012345678901234567890123\"}}", "-")] // 33 > 32
    [InlineData("{\"event\":{\"action\":\"a2345678901234567890123456789012\"}}", "a2345678901234567890123456789012")]
    public void MsgIdIsTheRecordKind(string record, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(Rfc5424Formatter.RecordKind(Encoding.UTF8.GetBytes(record))));

    [Theory]
    [InlineData("local0", 16)]
    [InlineData("LOCAL7", 23)]
    [InlineData("user", 1)]
    [InlineData("daemon", 3)]
    [InlineData("authpriv", 10)]
    [InlineData("0", 0)]
    [InlineData("23", 23)]
    public void FacilityNamesAndNumbers(string text, int facility)
    {
        Assert.True(SyslogFacility.TryParse(text, out int f));
        Assert.Equal(facility, f);
    }

    [Theory]
    [InlineData("local8")]
    [InlineData("24")]
    [InlineData("-1")]
    [InlineData("")]
    public void BadFacilities(string text) => Assert.False(SyslogFacility.TryParse(text, out _));

    [Theory]
    [InlineData("tcp://127.0.0.1:514", SyslogTransport.Tcp, "127.0.0.1", 514)]
    [InlineData("udp://[::1]:5514", SyslogTransport.Udp, "::1", 5514)]
    [InlineData("TCP://siem.example.org:6514/", SyslogTransport.Tcp, "siem.example.org", 6514)]
    [InlineData("udp://localhost:1", SyslogTransport.Udp, "localhost", 1)]
    public void EndpointUrls(string url, SyslogTransport transport, string host, int port)
    {
        Assert.True(SyslogEndpoint.TryParse(url, out var e, out string error), error);
        Assert.Equal(new SyslogEndpoint(transport, host, port), e);
    }

    [Theory]
    [InlineData("127.0.0.1:514")]
    [InlineData("http://127.0.0.1:514")]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://::1:514")]
    [InlineData("tcp://[::1]")]
    [InlineData("tcp://[127.0.0.1]:514")]
    [InlineData("tcp://127.0.0.1:0")]
    [InlineData("tcp://127.0.0.1:65536")]
    [InlineData("tcp://:514")]
    [InlineData("udp://bad host:514")]
    public void BadEndpointUrls(string url) => Assert.False(SyslogEndpoint.TryParse(url, out _, out _));

    [Fact]
    public void EndpointPrintsBackAsAUrl()
    {
        Assert.True(SyslogEndpoint.TryParse("udp://[::1]:5514", out var e, out _));
        Assert.Equal("udp://[::1]:5514", e!.ToString());
    }
}
