using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Amqp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class AmqpTests
{
    private static readonly AmqpFingerprinter Fp = AmqpFingerprinter.Instance;

    [Fact]
    public void Header_And_ConnectionStart_NameRabbitMq()
    {
        var r = Probe(Fp, Transport.Tcp, AmqpHeader091, [], false, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("amqp.protocol_header", r.Evidence);
        Assert.Equal(Confidence.High, Probe(Fp, Transport.Tcp, [], AmqpConnectionStart).Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, AmqpHeader091, AmqpConnectionStart);
        Assert.Equal("0-9-1", Path(doc, "sniffer.amqp.version"));
        Assert.Equal("RabbitMQ", Path(doc, "app.name"));
        Assert.Equal("3.10.8", Path(doc, "app.version"));
        Assert.Equal("Erlang/OTP 25.2.3", Path(doc, "sniffer.amqp.platform"));
        Assert.Equal("AMQPLAIN PLAIN", Path(doc, "sniffer.amqp.mechanisms"));
    }

    [Fact]
    public void Amqp010_Refused_WithServerHeader()
    {
        var r = Probe(Fp, Transport.Tcp, AmqpHeader010, AmqpServerHeader);
        Assert.Equal(Confidence.High, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, AmqpHeader010, AmqpServerHeader);
        Assert.Equal("0-10", Path(doc, "sniffer.amqp.version"));
    }

    [Fact]
    public void MidStreamMethodFrame_IsMedium()
    {
        var r = Probe(Fp, Transport.Tcp, AmqpBasicPublish, [], true, true);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.Medium, r.Confidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, AmqpBasicPublish, []);
        Assert.Equal("60", Path(doc, "sniffer.amqp.class_id"));
        Assert.Equal("40", Path(doc, "sniffer.amqp.method_id"));
        byte[] noEnd = (byte[])AmqpBasicPublish.Clone();
        noEnd[^1] = 0;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, noEnd, []).Status);
        // Connection.Start from the client side is refused.
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, AmqpConnectionStart, []).Status);
    }

    [Fact]
    public void Standard() => AssertStandard(Fp, Transport.Tcp, AmqpHeader091, AmqpConnectionStart);

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, Hex("414d515000000905"), []).Status);
        byte[] bigTable = (byte[])AmqpConnectionStart.Clone();
        bigTable[13] = 0x7f;
        var meta = RunExtract(Fp, Transport.Tcp, [], bigTable);
        Assert.NotNull(meta);
        AssertSurvivesMutations(Fp, Transport.Tcp, AmqpBasicPublish, AmqpConnectionStart);
    }
}
