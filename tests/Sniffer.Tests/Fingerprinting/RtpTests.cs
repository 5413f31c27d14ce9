using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Rtp;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class RtpTests
{
    private static readonly RtpFingerprinter Fp = RtpFingerprinter.Instance;

    // sip.pcap: first RTP datagram (PCMA, SSRC 3796cb71), payload cut to 28 bytes.
    private static readonly byte[] Pcma = Hex("80086fae000004d83796cb71d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5d5");
    // The same call's RTCP compound packet: SR, SDES, BYE.
    private static readonly byte[] Rtcp = Hex("80c800063796cb7142c907ca5efac603000024c3000000090000060c81ca000b3796cb71011d31313839343239372d3434333261396638403139322e3136382e312e3206055349505053000081cb00063796cb711073657373696f6e2073687574646f776e000000");
    // The peer's stream (hand-made: dynamic PT 111 Opus, one-byte header extension, marker set).
    private static readonly byte[] Peer = Hex("90ef0001 00000000 11223344 bede0001 10ff0000 fcfffe01020304");

    [Fact]
    public void RealPacketsMatch()
    {
        Assert.Equal("rtp.rtcp", ProbeClient(Fp, Transport.Udp, Rtcp).Evidence);
        var both = Probe(Fp, Transport.Udp, Pcma, Peer);
        Assert.Equal(Confidence.Medium, both.Confidence);
        Assert.Equal("rtp.exchange", both.Evidence);
        // The same source both ways is an echo, not a session.
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Transport.Udp, Pcma, Pcma).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, Pcma).Status);
    }

    [Fact]
    public void OneWayStreamNeedsItsNextPacket()
    {
        // One RTP-shaped datagram: wait for the next one of that direction; none by the end is not RTP.
        Assert.Equal(ProbeStatus.NeedMoreData, ProbeClient(Fp, Transport.Udp, Pcma, complete: false).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Pcma).Status);

        var r = ProbeNext(Pcma, Next(Pcma, sequenceStep: 1));
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal(Confidence.Low, r.Confidence);
        Assert.Equal("rtp.sequence", r.Evidence);
        Assert.Equal(ProbeStatus.Match, ProbeNext(Pcma, Next(Pcma, sequenceStep: RtpFingerprinter.MaxSequenceStep)).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeNext(Pcma, Next(Pcma, sequenceStep: RtpFingerprinter.MaxSequenceStep + 1)).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeNext(Pcma, Next(Pcma, sequenceStep: 0)).Status); // a duplicate, not a stream
        Assert.Equal(ProbeStatus.NoMatch, ProbeNext(Pcma, Next(Pcma, sequenceStep: -1)).Status);
        var otherSource = Next(Pcma, sequenceStep: 1);
        otherSource[11] ^= 0xFF;
        Assert.Equal(ProbeStatus.NoMatch, ProbeNext(Pcma, otherSource).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeNext(Pcma, Next(Pcma, sequenceStep: 1)[..11]).Status);

        // The sequence number wraps at 2^16.
        var last = (byte[])Pcma.Clone();
        last[2] = last[3] = 0xFF;
        Assert.Equal(ProbeStatus.Match, ProbeNext(last, Next(last, sequenceStep: 1)).Status);

        // The server's stream, confirmed the same way.
        var server = Fp.Probe(new InspectionContext(Transport.Udp, [], Pcma, false, true) { ServerNext = Next(Pcma, 2)[..16] });
        Assert.Equal("rtp.sequence", server.Evidence);
    }

    /// <summary>Random datagrams: a one-way flow of them is never RTP, however many have the RTP shape by chance.</summary>
    [Fact]
    public void RandomOneWayDatagramsAreNotRtp()
    {
        var random = new Random(3624);
        int shaped = 0;
        for (int i = 0; i < 200_000; i++)
        {
            var first = new byte[random.Next(13, 200)];
            var next = new byte[DatagramHeadLength];
            random.NextBytes(first);
            random.NextBytes(next);
            shaped += ProbeClient(Fp, Transport.Udp, first, complete: false).Status == ProbeStatus.NeedMoreData ? 1 : 0;
            if (first[1] is >= RtpFingerprinter.RtcpSenderReport and <= RtpFingerprinter.RtcpLastType)
            {
                continue; // an RTCP compound shape is its own (length-walked) evidence
            }

            Assert.NotEqual(ProbeStatus.Match, ProbeClient(Fp, Transport.Udp, first).Status);
            Assert.NotEqual(ProbeStatus.Match, ProbeNext(first, next).Status);
        }

        Assert.InRange(shaped, 100, 1_000); // about one in 600 has the shape and waits for its next packet
    }

    private const int DatagramHeadLength = Sniffer.Flows.DatagramHead.Length;

    private static ProbeResult ProbeNext(byte[] first, byte[] next) =>
        Fp.Probe(new InspectionContext(Transport.Udp, first, [], true, false) { ClientNext = next.AsSpan(0, Math.Min(next.Length, DatagramHeadLength)) });

    /// <summary>The next packet of <paramref name="packet"/>'s stream, <paramref name="sequenceStep"/> ahead.</summary>
    private static byte[] Next(byte[] packet, int sequenceStep)
    {
        var next = (byte[])packet.Clone();
        ushort sequence = (ushort)((packet[2] << 8 | packet[3]) + sequenceStep);
        next[2] = (byte)(sequence >> 8);
        next[3] = (byte)sequence;
        return next;
    }

    [Fact]
    public void ExtractsFields()
    {
        using var a = Json(RunExtract(Fp, Transport.Udp, Pcma, [])!);
        Assert.Equal("8", Path(a, "sniffer.rtp.payload_type"));
        Assert.Equal("PCMA", Path(a, "sniffer.rtp.encoding"));
        Assert.Equal("3796cb71", Path(a, "sniffer.rtp.ssrc"));
        using var b = Json(RunExtract(Fp, Transport.Udp, [], Rtcp)!);
        Assert.Null(Path(b, "sniffer.rtp.payload_type"));
        Assert.Equal("sender_report", Path(b, "sniffer.rtp.rtcp_type"));
        Assert.Equal("3796cb71", Path(b, "sniffer.rtp.ssrc"));
    }

    [Fact]
    public void BadHeadersDoNotMatch()
    {
        var v1 = (byte[])Pcma.Clone();
        v1[0] = 0x40;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, v1).Status);
        var rtcpRange = (byte[])Pcma.Clone();
        rtcpRange[1] = 72; // PT 72 with marker clear: neither RTP nor RTCP
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, rtcpRange).Status);
        var unassigned = (byte[])Pcma.Clone();
        unassigned[1] = 50;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, unassigned).Status);
        var csrc = (byte[])Pcma.Clone();
        csrc[0] = 0x8F; // 15 CSRCs do not fit
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, csrc).Status);
        var badExtension = (byte[])Peer.Clone();
        badExtension[12] = 0x12;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, badExtension).Status);
        var padding = (byte[])Pcma.Clone();
        padding[0] = 0xA0;
        padding[^1] = 0xF0; // padding longer than the payload
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, padding).Status);
        var rtcpShort = (byte[])Rtcp.Clone();
        rtcpShort[3] = 0x40;
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, rtcpShort).Status);
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Udp, Pcma[..12]).Status);
    }

    [Fact]
    public void PrefixesAndSplits()
    {
        AssertPrefixes(Fp, Transport.Udp, Pcma, asClient: true, datagram: true);
        AssertPrefixes(Fp, Transport.Udp, Rtcp, asClient: false, datagram: true);
        AssertSplits(Fp, Transport.Udp, Pcma, Peer);
        AssertSplits(Fp, Transport.Udp, Rtcp, Pcma);
    }

    [Fact]
    public void ForeignBytesNeverMatch()
    {
        // Random datagrams are not offered: an RTP header is a weak shape that random bytes can have (version 2, a
        // payload type in range) — which is why rtp matches only at low confidence.
        AssertNeverMatches(Fp, CommonNegatives(randomBuffers: 0));
        AssertNeverMatches(Fp, UdpSiblingSamples.All());
    }

    [Fact]
    public void HostileValues()
    {
        AssertSurvivesMutations(Fp, Transport.Udp, Pcma);
        AssertSurvivesMutations(Fp, Transport.Udp, Rtcp);
        AssertSurvivesMutations(Fp, Transport.Udp, Peer);
    }
}
