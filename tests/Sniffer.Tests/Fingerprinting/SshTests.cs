using System.Text;
using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Ssh;
using Sniffer.Tests.Support;
using Xunit;
using static Sniffer.Tests.Fingerprinting.BinaryTestKit;

namespace Sniffer.Tests.Fingerprinting;

public class SshTests
{
    private static readonly SshFingerprinter Fp = SshFingerprinter.Instance;

    [Fact]
    public void RealOpenSshBannersAndHassh()
    {
        var (client, server) = SampleStreams.Ssh;
        var r = Probe(Fp, Transport.Tcp, client, server);
        Assert.Equal(ProbeStatus.Match, r.Status);
        Assert.Equal("ssh.banner", r.Evidence);
        var meta = Assert.IsType<SshMetadata>(RunExtract(Fp, Transport.Tcp, client, server));
        Assert.Equal("2.0", meta.Client.ProtoVersion);
        Assert.Equal("OpenSSH_9.2p1", meta.Client.Software);
        Assert.Equal("Debian-2+deb12u10", meta.Server.Comments);
        Assert.Equal("OpenSSH", meta.ApplicationName);
        Assert.Equal("9.2p1", meta.ApplicationVersion);
        // Independent check: MD5 of the algorithm string, computed the HASSH way (kex;enc;mac;comp).
        Assert.StartsWith("sntrup761x25519-sha512,", meta.Client.HasshAlgorithms, StringComparison.Ordinal);
        Assert.Equal(4, meta.Client.HasshAlgorithms!.Split(';').Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.ASCII.GetBytes(meta.Client.HasshAlgorithms))), meta.Client.Hassh);
        using var doc = Json(meta);
        Assert.Equal(meta.Server.Hassh, Path(doc, "sniffer.ssh.server.hassh"));
        Assert.Equal("OpenSSH_9.2p1", Path(doc, "sniffer.ssh.client.software"));
    }

    [SkippableFact]
    public void HasshMatchesNdpiOnItsCapture()
    {
        // nDPI's expected output for ssh.pcap lists HASSH-C 21b457a3... and HASSH-S b1c6c0d5... for the first flow.
        string pcap = System.IO.Path.Combine(SnifferBinary.CorpusDir, "pcap", "ssh.pcap");
        Skip.IfNot(File.Exists(pcap), "the shared nDPI corpus is not beside this checkout");
        var (records, _) = PipelineRunner.Run(File.ReadAllBytes(pcap), new Sniffer.Pipeline.SnifferOptions { AnyPort = true });
        var flows = records.Action("flow_end").ToList();
        Assert.Contains(flows, f => f.Str("sniffer.ssh.client.hassh") == "21b457a327ce7a2d4fce5ef2c42400bd" && f.Str("sniffer.ssh.server.hassh") == "b1c6c0d56317555b85c7005a3de29325");
        Assert.Contains(flows, f => f.Str("sniffer.ssh.client.hassh") == "c11b200866cf918393e62ea25d851d90" && f.Str("sniffer.ssh.server.hassh") == "ca6dd86b2d9a44e4a3f1a55c53e6b0fa");
    }

    [Fact]
    public void EveryPrefixAndSplit()
    {
        var (client, server) = SampleStreams.Ssh;
        int bannerEnd = client.AsSpan().IndexOf((byte)'\n') + 1;
        AssertPrefixes(Fp, Transport.Tcp, client[..bannerEnd], asClient: true, datagram: false);
        AssertPrefixes(Fp, Transport.Tcp, server[..bannerEnd], asClient: false, datagram: false);
        AssertSplits(Fp, Transport.Tcp, client, server);
    }

    [Fact]
    public void ServerMaySendLinesBeforeItsBanner()
    {
        var server = "Welcome to the jump host\r\nauthorised use only\r\nSSH-2.0-dropbear_2022.83\r\n"u8.ToArray();
        Assert.Equal(ProbeStatus.Match, ProbeServer(Fp, Transport.Tcp, server).Status);
        var meta = Assert.IsType<SshMetadata>(RunExtract(Fp, Transport.Tcp, [], server));
        Assert.Equal("dropbear", meta.ApplicationName);
        Assert.Equal("2022.83", meta.ApplicationVersion);
        // ...but the client may not.
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, server).Status);
    }

    [Theory]
    [InlineData("SSH-2.0-\r\n")]
    [InlineData("SSH-x.0-OpenSSH\r\n")]
    [InlineData("SSH-2.0-Open\u0001SSH\r\n")]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("220 smtp ready\r\n")]
    public void MalformedOrForeign(string text)
    {
        Assert.NotEqual(ProbeStatus.Match, ProbeClient(Fp, Transport.Tcp, Encoding.ASCII.GetBytes(text)).Status);
    }

    [Fact]
    public void OverlongBannerIsRefused()
    {
        var banner = Encoding.ASCII.GetBytes("SSH-2.0-" + new string('x', 300) + "\r\n");
        Assert.Equal(ProbeStatus.NoMatch, ProbeClient(Fp, Transport.Tcp, banner).Status);
    }

    [Fact]
    public void NegativesAndMutations()
    {
        var (tlsClient, tlsServer) = SampleStreams.Tls;
        var (httpClient, httpServer) = SampleStreams.Http;
        AssertNeverMatches(Fp, CommonNegatives().Where(b => !b.AsSpan().StartsWith("SSH-"u8)).Concat([tlsClient, tlsServer, httpClient, httpServer]));
        AssertSurvivesMutations(Fp, Transport.Tcp, SampleStreams.Ssh.Client);
    }
}
