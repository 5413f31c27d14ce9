using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Memcached;
using Sniffer.Fingerprinting.Redis;
using Sniffer.Fingerprinting.Stratum;
using Xunit;
using static Sniffer.Tests.Fingerprinting.FingerprintKit;

namespace Sniffer.Tests.Fingerprinting;

public class RedisTests
{
    private static readonly RedisFingerprinter Fp = RedisFingerprinter.Instance;

    [Fact]
    public void RealSessionsMatch()
    {
        foreach (var s in new[] { TextSamples.RedisPing, TextSamples.RedisInfo, TextSamples.RedisHello, TextSamples.RedisCommand })
        {
            Assert.Equal(Confidence.High, AssertMatch(Fp, s.Client, s.Server, Confidence.High).Confidence);
            AssertPrefixesConsistent(Fp, s.Client, s.Server);
            AssertMatch(Fp, s.Client, [], Confidence.Medium);
        }

        AssertMatch(Fp, [], TextSamples.RedisPing.Server, Confidence.Medium);
        Assert.Equal(Confidence.High, AssertMatch(Fp, Text("PING\r\n"), Text("+PONG\r\n"), Confidence.High).Confidence);
        AssertPrefixesConsistent(Fp, Text("PING\r\n"), Text("+PONG\r\n"));
        Assert.Equal(Confidence.Low, AssertMatch(Fp, [], Text("+OK\r\n"), Confidence.Low).Confidence);
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<RedisMetadata>(Fp, TextSamples.RedisInfo.Client, TextSamples.RedisInfo.Server);
        Assert.Equal(("INFO", "Redis", "7.0.15"), (m.Command, m.ApplicationName, m.ApplicationVersion));
        var h = Extract<RedisMetadata>(Fp, TextSamples.RedisHello.Client, TextSamples.RedisHello.Server);
        Assert.Equal(("HELLO", "Redis", "7.0.15"), (h.Command, h.ApplicationName, h.ApplicationVersion));
        Assert.Equal("COMMAND", Extract<RedisMetadata>(Fp, TextSamples.RedisCommand.Client, TextSamples.RedisCommand.Server).Command);
    }

    [Fact]
    public void MalformedRespRefused()
    {
        foreach (var s in new[] { "*0\r\n", "*1\r\n$4\r\nPI\x01G\r\n", "*1\r\n$40000\r\n", "*1\r\n$4\r\nPINGXX", "*-5\r\n", "*99999999999\r\n", "get k\r\n", "*1\n$4\nPING\n" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], false).Status);
        }

        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("+OK POP3 ready\r\n"), false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("USER bob\r\n"), Text("+OK\r\n"), false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.RedisHello.Client, .. TextSamples.RedisHello.Server]);
}

public class MemcachedTests
{
    private static readonly MemcachedFingerprinter Fp = MemcachedFingerprinter.Instance;

    [Fact]
    public void RealSessionsMatch()
    {
        foreach (var s in new[] { TextSamples.MemcachedText, TextSamples.MemcachedBinary, TextSamples.MemcachedUdp })
        {
            Assert.Equal(Confidence.High, AssertMatch(Fp, s.Client, s.Server, Confidence.High, s.Transport).Confidence);
            AssertPrefixesConsistent(Fp, s.Client, s.Server, s.Transport);
            AssertMatch(Fp, s.Client, [], Confidence.Medium, s.Transport);
            AssertMatch(Fp, [], s.Server, Confidence.Medium, s.Transport);
        }

        AssertPrefixesConsistent(Fp, Text("set k 0 0 5\r\nhello\r\n"), Text("STORED\r\n"));
        Assert.Equal(Confidence.Low, AssertMatch(Fp, Text("get k\r\n"), [], Confidence.Low).Confidence);
    }

    [Fact]
    public void Metadata()
    {
        var t = Extract<MemcachedMetadata>(Fp, TextSamples.MemcachedText.Client, TextSamples.MemcachedText.Server);
        Assert.Equal(("version", "text", "memcached", "1.6.18"), (t.Command, t.Protocol, t.ApplicationName, t.ApplicationVersion));
        var b = Extract<MemcachedMetadata>(Fp, TextSamples.MemcachedBinary.Client, TextSamples.MemcachedBinary.Server);
        Assert.Equal(("version", "binary", "1.6.18"), (b.Command, b.Protocol, b.ApplicationVersion));
        var u = Extract<MemcachedMetadata>(Fp, TextSamples.MemcachedUdp.Client, TextSamples.MemcachedUdp.Server, Transport.Udp);
        Assert.Equal(("stats", "1.6.18"), (u.Command, u.ApplicationVersion));
    }

    [Fact]
    public void OthersRefused()
    {
        foreach (var s in new[] { "SET k v\r\n", "set k v\r\n", "PING\r\n", "stats" + new string('x', 100) + "\r\n" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], false).Status);
        }

        // Binary header with a bad data type / body shorter than key.
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0x80, 0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 5, .. new byte[12]], [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0x80, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 5, .. new byte[12]], [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0x80, 0, 0, 9], [], true).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch()
    {
        AssertNeverMatchesForeign(Fp);
        AssertNeverMatchesForeign(Fp, Transport.Udp);
    }

    [Fact]
    public void HostileBytesSurvive()
    {
        AssertSurvivesHostile(Fp, [.. TextSamples.MemcachedText.Client, .. TextSamples.MemcachedText.Server]);
        AssertSurvivesHostile(Fp, TextSamples.MemcachedBinary.Server);
        AssertSurvivesHostile(Fp, TextSamples.MemcachedUdp.Server, Transport.Udp);
    }
}

public class StratumTests
{
    private static readonly StratumFingerprinter Fp = StratumFingerprinter.Instance;

    [Fact]
    public void RealSessionsMatch()
    {
        foreach (var s in new[] { TextSamples.StratumXmrStak, TextSamples.StratumEwbf, TextSamples.StratumEth })
        {
            Assert.Equal(Confidence.High, AssertMatch(Fp, s.Client, s.Server, Confidence.High).Confidence);
            AssertPrefixesConsistent(Fp, s.Client, s.Server);
            AssertMatch(Fp, s.Client, [], Confidence.Medium);
        }
    }

    [Fact]
    public void Metadata()
    {
        var x = Extract<StratumMetadata>(Fp, TextSamples.StratumXmrStak.Client, TextSamples.StratumXmrStak.Server);
        Assert.Equal(("login", "xmr-stak-cpu/1.3.0-1.5.0", "xmr-stak-cpu", "1.3.0-1.5.0"), (x.Method, x.Agent, x.ApplicationName, x.ApplicationVersion));
        Assert.EndsWith(".ryzen", x.Worker);
        var e = Extract<StratumMetadata>(Fp, TextSamples.StratumEwbf.Client, TextSamples.StratumEwbf.Server);
        Assert.Equal(("mining.subscribe", "EWBF 0.3.4b", "EWBF", "0.3.4b"), (e.Method, e.Agent, e.ApplicationName, e.ApplicationVersion));
        Assert.Equal("t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4", e.Worker);
        var eth = Extract<StratumMetadata>(Fp, TextSamples.StratumEth.Client, TextSamples.StratumEth.Server);
        Assert.Equal(("eth_submitLogin", "eth1.0"), (eth.Method, eth.Worker));
        var xm = Extract<StratumMetadata>(Fp, Text("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"wallet\",\"pass\":\"x\",\"agent\":\"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0\",\"algo\":[\"rx/0\"]}}\n"), []);
        Assert.Equal(("XMRig", "6.21.0", "wallet"), (xm.ApplicationName, xm.ApplicationVersion, xm.Worker));
    }

    [Fact]
    public void OtherJsonRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("{\"jsonrpc\":\"2.0\",\"method\":\"eth_blockNumber\",\"id\":1}\n"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("{\"id\":1,\"result\":true}\n"), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("[1,2]\n"), [], false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.StratumEwbf.Client, .. TextSamples.StratumEwbf.Server]);
}
