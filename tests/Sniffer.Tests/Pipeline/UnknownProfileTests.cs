using System.Security.Cryptography;
using System.Text;
using Sniffer.Fingerprinting;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Pipeline;

public class UnknownProfileTests
{
    [Fact]
    public void RandomBytesLookEncrypted()
    {
        var p = UnknownProfile.Create(RandomNumberGenerator.GetBytes(1024), default, true, Transport.Tcp);
        Assert.Equal("encrypted-or-compressed", p.Guess);
        Assert.InRange(p.Entropy, 7.5, 8.0);
        Assert.Equal("tcp/c/encrypted-or-compressed/len1024", p.Shape);
    }

    [Fact]
    public void TextProtocolShapeIgnoresDigitsAndArguments()
    {
        var a = UnknownProfile.Create(Encoding.ASCII.GetBytes("HELLO42 client-7 x\r\n"), default, true, Transport.Tcp);
        var b = UnknownProfile.Create(Encoding.ASCII.GetBytes("HELLO17 other-host y\r\n"), default, true, Transport.Tcp);
        Assert.Equal("text-protocol", a.Guess);
        Assert.Equal("tcp/c/text-protocol/HELLO99", a.Shape);
        Assert.Equal(a.ShapeHash, b.ShapeHash);
        Assert.Equal(16, a.ShapeHash.Length);
        Assert.Equal("HELLO42 client-7 x\\r\\n", a.FirstBytesText);
    }

    [Fact]
    public void BinaryProtocolShapeKeepsMagic()
    {
        byte[] m1 = [0xCA, 0xFE, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 1, 1];
        byte[] m2 = [0xCA, 0xFE, 0x00, 0x01, 0x10, 0x00, 0x00, 0x00, 0x09, 0x08, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 2, 2];
        var a = UnknownProfile.Create(default, m1, false, Transport.Udp);
        var b = UnknownProfile.Create(default, m2, false, Transport.Udp);
        Assert.Equal("binary-protocol", a.Guess);
        Assert.Equal("udp/s/binary-protocol/cafe0001/len32", a.Shape);
        Assert.Equal(a.ShapeHash, b.ShapeHash);
        Assert.Equal("cafe00011000000001020300000000000101", a.FirstBytesHex);
    }

    [Fact]
    public void UnknownFlowRecordDescribesTheFlow()
    {
        var conv = new TcpConversation("10.1.1.1", 50000, "10.2.2.2", 3624).Handshake()
            .ClientData(RandomNumberGenerator.GetBytes(600)).ServerData(RandomNumberGenerator.GetBytes(300)).ClientData(RandomNumberGenerator.GetBytes(100)).Close();
        var (records, _) = PipelineRunner.Run(CaptureBuilder.Pcap(1, conv.Frames));
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Equal("unknown", end.Str("network.protocol"));
        Assert.Equal("encrypted-or-compressed", end.Str("sniffer.unknown.guess"));
        Assert.Equal("client", end.Str("sniffer.first_speaker"));
        Assert.Equal("[600,-300,100]", end.Get("sniffer.unknown.payload_sizes")!.Value.GetRawText());
        Assert.Equal(64, end.Str("sniffer.unknown.first_bytes.hex")!.Length);
    }

    [Fact]
    public void ProfilesAreRecycledAndASnapshotKeepsItsValues()
    {
        var text = UnknownProfile.Create(Encoding.ASCII.GetBytes("HELLO42 client-7 x\r\n"), default, true, Transport.Tcp);
        var kept = text.Snapshot();
        UnknownProfile.Return(text);
        var next = UnknownProfile.Create(default, new byte[] { 0xca, 0xfe, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, false, Transport.Udp);
        Assert.Same(text, next); // the worker's pool hands the same object out again...
        Assert.Equal("udp/s/binary-protocol/cafe0001/len16", next.Shape);
        Assert.Equal("tcp/c/text-protocol/HELLO99", kept.Shape); // ...so what outlives the flow keeps a snapshot
        Assert.Equal("HELLO42 client-7 x\\r\\n", kept.FirstBytesText);
        UnknownProfile.Return(kept); // a snapshot is never pooled
        Assert.NotSame(kept, UnknownProfile.Create(Encoding.ASCII.GetBytes("x"), default, true, Transport.Tcp));

        // The shared no-payload profile is never handed out for reuse either.
        var none = UnknownProfile.Create(default, default, null, Transport.Udp);
        UnknownProfile.Return(none);
        Assert.Equal("no-payload", UnknownProfile.Create(default, default, null, Transport.Udp).Guess);
    }
}
