using Sniffer.Fingerprinting;
using Sniffer.Fingerprinting.Git;
using Sniffer.Fingerprinting.Rsync;
using Sniffer.Fingerprinting.Svn;
using Sniffer.Fingerprinting.Telnet;
using Xunit;
using static Sniffer.Tests.Fingerprinting.FingerprintKit;

namespace Sniffer.Tests.Fingerprinting;

public class TelnetTests
{
    private static readonly TelnetFingerprinter Fp = TelnetFingerprinter.Instance;

    [Fact]
    public void RealNegotiationMatches()
    {
        var s = TextSamples.Telnet;
        Assert.Equal("telnet.negotiation_both", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        AssertMatch(Fp, [], s.Server, Confidence.Medium);
        // Sub-negotiation (terminal type) and a login prompt after the options.
        AssertPrefixesConsistent(Fp, [], [0xff, 0xfd, 0x18, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0, .. Text("login: ")]);
        var m = Extract<TelnetMetadata>(Fp, s.Client, s.Server);
        Assert.True(m.ClientCommands >= 2 && m.ServerCommands >= 2);
    }

    [Fact]
    public void WeakOrMalformedRefused()
    {
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0xff, 0xfb, 0x18], [], true).Status); // one command only
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0xff, 0xfb, 0x99, 0xff, 0xfb, 0x01], [], false).Status); // unknown option
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0xff, 0xff, 0xff, 0xff], [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text("login: "), [], false).Status);
        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [0xff, 0xfa, 0x18, .. new byte[300]], [], false).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Telnet.Server, 0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0]);
}

public class GitTests
{
    private static readonly GitFingerprinter Fp = GitFingerprinter.Instance;

    [Fact]
    public void RealDaemonSessionMatches()
    {
        var s = TextSamples.GitV2;
        Assert.Equal("git.request_and_advertisement", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        AssertMatch(Fp, s.Client, [], Confidence.Medium);
        AssertMatch(Fp, [], s.Server, Confidence.Medium);
        // Protocol v0 ref advertisement.
        var v0 = Text("00e51cd9d0e2db1e69c98231ec0d1389efd0c05285b5 HEAD\0multi_ack thin-pack side-band side-band-64k ofs-delta shallow deepen-since deepen-not deepen-relative no-progress include-tag multi_ack_detailed symref=HEAD:refs/heads/main object-format=sha1 agent=git/2.39.5\n");
        AssertPrefixesConsistent(Fp, Text("0032git-upload-pack /repo.git\0host=127.0.0.1:19418\0"), v0);
        var m = Extract<GitMetadata>(Fp, Text("0032git-upload-pack /repo.git\0host=127.0.0.1:19418\0"), v0);
        Assert.Equal(("git", "2.39.5"), (m.ApplicationName, m.ApplicationVersion));
    }

    [Fact]
    public void Metadata()
    {
        var m = Extract<GitMetadata>(Fp, TextSamples.GitV2.Client, TextSamples.GitV2.Server);
        Assert.Equal(("git-upload-pack", "/repo.git", "127.0.0.1:19418", "2"), (m.Service, m.Path, m.Host, m.ProtocolVersion));
        Assert.Equal(("git", "2.39.5"), (m.ApplicationName, m.ApplicationVersion));
    }

    [Fact]
    public void OthersRefused()
    {
        foreach (var s in new[] { "0032git-frobnicate /x\0host=a\0", "zz32git-upload-pack /x\0", "0003", "0032git-upload-pack /x host=a....." })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], true).Status);
        }

        Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, [], Text("0010abcdefabcdef"), true).Status);
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.GitV2.Client]);
}

public class SvnTests
{
    private static readonly SvnFingerprinter Fp = SvnFingerprinter.Instance;

    [Fact]
    public void RealSessionMatches()
    {
        var s = TextSamples.Svn;
        Assert.Equal("svn.greeting_and_response", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
        AssertPrefixesConsistent(Fp, s.Client, s.Server);
        AssertMatch(Fp, s.Client, [], Confidence.Medium);
        AssertMatch(Fp, [], s.Server, Confidence.Medium);
        var m = Extract<SvnMetadata>(Fp, s.Client, s.Server);
        Assert.Equal(("svn://127.0.0.1:13690/repo", "SVN/1.14.2 (x86_64-pc-linux-gnu)"), (m.Url, m.UserAgent));
    }

    [Fact]
    public void OthersRefused()
    {
        foreach (var s in new[] { "( success ( x", "( 2 ( foo bar baz qux quux corge grault garply waldo fred plugh xyzzy thud ) )", "(2 (", "( 2 [" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), Text(s), true).Status);
        }
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.Svn.Client]);
}

public class RsyncTests
{
    private static readonly RsyncFingerprinter Fp = RsyncFingerprinter.Instance;

    [Fact]
    public void RealDaemonSessionsMatch()
    {
        foreach (var s in new[] { TextSamples.RsyncList, TextSamples.RsyncModule })
        {
            Assert.Equal("rsync.greetings", AssertMatch(Fp, s.Client, s.Server, Confidence.High).Evidence);
            AssertPrefixesConsistent(Fp, s.Client, s.Server);
            AssertMatch(Fp, [], s.Server, Confidence.Medium);
        }

        var m = Extract<RsyncMetadata>(Fp, TextSamples.RsyncModule.Client, TextSamples.RsyncModule.Server);
        Assert.Equal(("32.0", "32.0", "pub"), (m.ServerVersion, m.ClientVersion, m.Module));
    }

    [Fact]
    public void OthersRefused()
    {
        foreach (var s in new[] { "@RSYNCD: x\n", "@rsyncd: 31.0\n", "@RSYNCD:31.0\n", "@RSYNCD: .\n" })
        {
            Assert.Equal(ProbeStatus.NoMatch, Probe(Fp, Text(s), [], false).Status);
        }
    }

    [Fact]
    public void ForeignBytesNeverMatch() => AssertNeverMatchesForeign(Fp);

    [Fact]
    public void HostileBytesSurvive() => AssertSurvivesHostile(Fp, [.. TextSamples.RsyncModule.Server]);
}
