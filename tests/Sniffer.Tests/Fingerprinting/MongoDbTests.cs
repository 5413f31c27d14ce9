using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.MongoDb;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinarySamples;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class MongoDbTests
{
    private static readonly MongoDbFingerprinter Fp = MongoDbFingerprinter.Instance;

    /// <summary>OP_MSG {hello: 1, $db: "admin"} request and its OP_MSG reply {ok: 1.0}.</summary>
    private static readonly byte[] HelloMsg = Hex("34000000" + "01000000" + "00000000" + "dd070000" + "00000000" + "00"
        + "1f000000" + "1068656c6c6f0001000000" + "022464620006000000" + "61646d696e00" + "00");
    private static readonly byte[] OkReply = Hex("26000000" + "05000000" + "01000000" + "dd070000" + "00000000" + "00"
        + "11000000" + "016f6b00000000000000f03f" + "00");

    [Fact]
    public void OpQuery_IsMaster_WithDriver()
    {
        var r = Probe(Fp, Transport.Tcp, MongoIsMasterPy, [], true, false);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("mongodb.op_query", r.Evidence);
        using var doc = ExtractJson(Fp, Transport.Tcp, MongoIsMasterPy, []);
        Assert.Equal("2004", Path(doc, "sniffer.mongodb.op_code"));
        Assert.Equal("ismaster", Path(doc, "sniffer.mongodb.command"));
        Assert.Equal("admin", Path(doc, "sniffer.mongodb.database"));
        Assert.Equal("PyMongo", Path(doc, "sniffer.mongodb.driver_name"));
        Assert.Equal("3.4.0", Path(doc, "sniffer.mongodb.driver_version"));
    }

    [Fact]
    public void OpQuery_Shell_And_ResponseToMinusOne()
    {
        using var doc = ExtractJson(Fp, Transport.Tcp, MongoShell, []);
        Assert.Equal("isMaster", Path(doc, "sniffer.mongodb.command"));
        Assert.Equal("MongoDB Shell", Path(doc, "sniffer.mongodb.client_application"));
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, MongoMinusOne, []).Status);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, MongoGetNonce, []).Status);
    }

    [Fact]
    public void OpMsg_BothDirections()
    {
        var r = Probe(Fp, Transport.Tcp, HelloMsg, OkReply);
        Assert.Equal(Confidence.High, r.Confidence);
        Assert.Equal("mongodb.op_msg", r.Evidence);
        Assert.Equal(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], OkReply).Status);
        using var doc = ExtractJson(Fp, Transport.Tcp, HelloMsg, OkReply);
        Assert.Equal("hello", Path(doc, "sniffer.mongodb.command"));
        Assert.Equal("admin", Path(doc, "sniffer.mongodb.database"));
        Assert.Equal("OP_MSG", Path(doc, "sniffer.mongodb.op_name"));
    }

    [Fact]
    public void RequestOnServerSide_IsRefused()
    {
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, [], HelloMsg).Status);
        Assert.NotEqual(ProbeStatus.Match, Probe(Fp, Transport.Tcp, OkReply, []).Status);
    }

    [Fact]
    public void Prefixes_And_Splits()
    {
        AssertPrefixes(Fp, Transport.Tcp, MongoIsMasterPy, asClient: true);
        AssertPrefixes(Fp, Transport.Tcp, HelloMsg, asClient: true);
        AssertPrefixes(Fp, Transport.Tcp, OkReply, asClient: false);
        AssertSplits(Fp, Transport.Tcp, MongoShell, []);
        AssertSplits(Fp, Transport.Tcp, HelloMsg, OkReply);
    }

    [Fact]
    public void Foreign_NeverMatches() => AssertRefusesForeign(Fp);

    [Fact]
    public void Hostile()
    {
        byte[] badLength = (byte[])HelloMsg.Clone();
        badLength[3] = 0x7f;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, badLength, []).Status);
        byte[] badDoc = (byte[])HelloMsg.Clone();
        badDoc[21] = 0xf0; // document length past the message
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, badDoc, []).Status);
        byte[] badType = (byte[])HelloMsg.Clone();
        badType[25] = 0x55;
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Tcp, badType, []).Status);
        AssertSurvivesMutations(Fp, Transport.Tcp, MongoIsMasterPy, OkReply);
        AssertSurvivesMutations(Fp, Transport.Tcp, HelloMsg, []);
    }
}
