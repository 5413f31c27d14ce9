using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Tftp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class TftpTests
{
    private static readonly TftpFingerprinter Fp = TftpFingerprinter.Instance;

    // tftp.pcap frame 3: RRQ rfc1350.txt octet; frame 103: WRQ zz.bin netascii; frame 108: WRQ with options.
    private static readonly byte[] Rrq = Hex("0001726663313335302e747874006f6374657400");
    private static readonly byte[] Wrq = Hex("00027a7a2e62696e006e6574617363696900");
    private static readonly byte[] WrqOptions = Hex("0002656d7074793130304b42006f6374657400626c6b73697a650031343638007473697a650031303030303000");
    // frame 109: OACK; frames 4/5: DATA block 1 (cut to 24 bytes) and its ACK.
    private static readonly byte[] OackMsg = Hex("0006626c6b73697a650031343638007473697a650031303030303000");
    private static readonly byte[] DataMsg = Hex("000300010a0a0a0a0a0a4e6574776f726b20576f726b696e67");
    private static readonly byte[] AckMsg = Hex("00040001");
    // frames 1 and 2: malformed requests nDPI only labels by port (empty file name).
    private static readonly byte[] EmptyName = Hex("0001006f6374657400");
    private static readonly byte[] ZeroName = Hex("000100000000000000000000006f6374657400");

    [Fact]
    public void RealMessagesMatch()
    {
        Assert.Equal(Confidence.High, ProbeClient(Fp, Transport.Udp, Rrq).Confidence);
        Assert.Equal("tftp.request", ProbeClient(Fp, Transport.Udp, Wrq).Evidence);
        Assert.Equal(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, WrqOptions).Status);
        Assert.Equal("tftp.oack", ProbeClient(Fp, Transport.Udp, OackMsg).Evidence);
        Assert.Equal("tftp.data_ack", Probe(Fp, Transport.Udp, DataMsg, AckMsg).Evidence);
        Assert.Equal(ProbeStatus.NeedMoreData, ProbeClient(Fp, Transport.Udp, DataMsg, complete: false).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, AckMsg).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, EmptyName).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, ZeroName).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, Rrq).Status);
        Assert.Equal("tftp.error", ProbeServer(Fp, Transport.Udp, Hex("0005000146696c65206e6f7420666f756e6400")).Evidence);
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Udp, Rrq, [])!);
        Assert.Equal("read_request", Path(a, "sniffer.tftp.opcode"));
        Assert.Equal("rfc1350.txt", Path(a, "sniffer.tftp.filename"));
        Assert.Equal("octet", Path(a, "sniffer.tftp.mode"));
        using var b = Json(RunExtract(Fp, Transport.Udp, Wrq, [])!);
        Assert.Equal("netascii", Path(b, "sniffer.tftp.mode"));
        using var c = Json(RunExtract(Fp, Transport.Udp, DataMsg, AckMsg)!);
        Assert.Equal("data", Path(c, "sniffer.tftp.opcode"));
        Assert.Null(Path(c, "sniffer.tftp.filename"));
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Udp, Rrq, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, WrqOptions, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, OackMsg, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Udp, Rrq, []);
        AssertSplits(Fp, Transport.Udp, DataMsg, AckMsg);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatches(Fp, CommonNegatives());

    [Fact]
    public void HostileValues()
    {
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Hex("000161620a00")).Status); // no mode
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Hex("0001610062696e61727900")).Status); // bad mode
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Hex("00016100" + "6f6374657400" + "7800")).Status); // half option
        var utf8 = Hex("0001c3a9ff22005443544554007800797a00");
        var r = ProbeClient(Fp, Transport.Udp, utf8);
        Assert.Equal(ProbeStatus.NoMatch, r.Status); // "TCTET" is no mode
        var weird = Hex("0001c3a9ff225c004f435445540000");
        _ = RunExtract(Fp, Transport.Udp, weird, []);
        AssertSurvivesMutations(Fp, Transport.Udp, WrqOptions);
    }
}
