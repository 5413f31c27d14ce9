using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.EndToEnd;

/// <summary>
/// The published binary on bad input and faults (issue 6's matrix): each gives one line on stderr and a documented
/// exit status (README, "Exit status"), and every record produced before the fault is written, whole.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sniffer-bad-input").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private const long T0 = 1_750_000_000_000_000_000L;

    /// <summary>One UDP packet to 3624 from a distinct source: one flow, one record each.</summary>
    private static CapturedFrame Udp(int i, long ts) =>
        new(ts, FrameBuilder.UdpFrame($"10.{(i >> 16) & 0xFF}.{(i >> 8) & 0xFF}.{i & 0xFF}", (ushort)(1024 + (i % 60000)), "192.0.2.1", 3624, "hello"u8));

    private static List<CapturedFrame> Flows(int n) => [.. Enumerable.Range(0, n).Select(i => Udp(i, T0 + (i * 1_000_000L)))];

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static SnifferBinary.Result Read(string path, params string[] extra) =>
        SnifferBinary.Run(["-r", path, "-q", "--records", "flow_end", .. extra]);

    private static string OneLine(string stderr)
    {
        var lines = stderr.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{stderr}");
        Assert.StartsWith("sniffer: ", lines[0]);
        Assert.DoesNotContain("   at ", stderr);
        return lines[0];
    }

    [SkippableTheory]
    [InlineData("empty", "empty file")]
    [InlineData("random", "not a pcap or pcapng file")]
    [InlineData("header", "truncated pcap global header")]
    public void NotACaptureExitsOneWithOneLine(string kind, string message)
    {
        SnifferBinary.Binary();
        var random = new Random(6);
        byte[] bytes = kind switch
        {
            "empty" => [],
            "random" => [.. Enumerable.Range(0, 4096).Select(_ => (byte)random.Next(256))],
            _ => CaptureBuilder.Pcap(1, [])[..10],
        };
        var r = Read(Write(kind, bytes));
        Assert.Equal(1, r.ExitCode);
        Assert.EndsWith(message, OneLine(r.Stderr));
        Assert.Empty(r.Stdout);
    }

    [SkippableFact]
    public void TruncatedLastRecordWarnsAndKeepsEverythingBefore()
    {
        SnifferBinary.Binary();
        var file = CaptureBuilder.Pcap(1, Flows(6));
        var r = Read(Write("cut.pcap", file[..^20])); // the sixth packet is cut short
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("truncated last record", OneLine(r.Stderr), StringComparison.Ordinal);
        Assert.Equal(5, PipelineRunner.ParseLines(r.Stdout).Count);
    }

    [SkippableFact]
    public void RecordClaimingFourGigabytesStopsAfterWritingEveryEarlierRecord()
    {
        SnifferBinary.Binary();
        var header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 1_750_000_100);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), 0xFFFF_FFF0);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), 0xFFFF_FFF0);
        var r = Read(Write("4g.pcap", [.. CaptureBuilder.Pcap(1, Flows(7)), .. header, .. new byte[64]]));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("claims 4294967280 bytes", OneLine(r.Stderr), StringComparison.Ordinal);
        Assert.Equal(7, PipelineRunner.ParseLines(r.Stdout).Count);
    }

    [SkippableFact]
    public void PcapngBlockWithABadLengthStopsAfterWritingEveryEarlierRecord()
    {
        SnifferBinary.Binary();
        var bad = new byte[32];
        BinaryPrimitives.WriteUInt32LittleEndian(bad, 6);
        BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(4), 13); // not a multiple of 4
        var r = Read(Write("bad.pcapng", [.. CaptureBuilder.Pcapng([1], Flows(4)), .. bad]));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("bad length (13)", OneLine(r.Stderr), StringComparison.Ordinal);
        Assert.Equal(4, PipelineRunner.ParseLines(r.Stdout).Count);
    }

    [SkippableFact]
    public void CapturedLengthAboveWireLengthIsRead()
    {
        SnifferBinary.Binary();
        var frames = Flows(3).Select(f => f with { WireLength = 20 }).ToList(); // caplen > len in every record
        var r = Read(Write("caplen.pcap", CaptureBuilder.Pcap(1, frames)));
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stderr);
        Assert.Equal(3, PipelineRunner.ParseLines(r.Stdout).Count);
    }

    [SkippableFact]
    public void ZeroLengthPacketsAreCountedNotFatal()
    {
        SnifferBinary.Binary();
        var frames = new List<CapturedFrame> { new(T0, []), new(T0 + 1, []), Udp(1, T0 + 2), new(T0 + 3, []) };
        var r = SnifferBinary.Run(["-r", Write("zero.pcap", CaptureBuilder.Pcap(1, frames)), "--records", "flow_end"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("anomalies: truncated_link_header=3", r.Stderr, StringComparison.Ordinal);
        Assert.Single(PipelineRunner.ParseLines(r.Stdout));
    }

    [SkippableFact]
    public void TimestampsGoingBackwardsAreCountedAndEveryFlowWritten()
    {
        SnifferBinary.Binary();
        var frames = Enumerable.Range(0, 5).Select(i => Udp(i, T0 - (i * 10_000_000_000L))).ToList(); // 10 s back each time
        var r = SnifferBinary.Run(["-r", Write("back.pcap", CaptureBuilder.Pcap(1, frames)), "--records", "flow_end"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("timestamp_went_backwards=4", r.Stderr, StringComparison.Ordinal);
        var records = PipelineRunner.ParseLines(r.Stdout);
        Assert.Equal(5, records.Count);
        Assert.All(records, x => Assert.Equal("end_of_input", x.Str("sniffer.end_reason")));
    }

    /// <summary>Runs a shell command as root, returning its exit code (for mount/umount).</summary>
    private static int Sh(string command)
    {
        using var p = Process.Start(new ProcessStartInfo("sh", ["-c", command]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    [SkippableFact]
    public void DiskFullIsOneLineExitOneAndLeavesOnlyWholeRecords()
    {
        SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "mounting a small tmpfs needs root");
        string input = Write("big.pcap", CaptureBuilder.Pcap(1, Flows(2000))); // about 600 KB of records
        string mountPoint = Path.Combine(_dir, "small");
        Directory.CreateDirectory(mountPoint);
        Skip.If(Sh($"mount -t tmpfs -o size=64k sniffer-test '{mountPoint}'") != 0, "cannot mount a tmpfs here (no CAP_SYS_ADMIN)");
        try
        {
            string output = Path.Combine(mountPoint, "out.ndjson");
            var r = SnifferBinary.Run(["-r", input, "-q", "-w", output, "--records", "flow_end"]);
            Assert.Equal(1, r.ExitCode);
            Assert.Equal($"sniffer: {output}: write failed: no space left on device", OneLine(r.Stderr));
            var written = File.ReadAllBytes(output);
            Assert.NotEmpty(written);
            Assert.Equal((byte)'\n', written[^1]); // no half record at the end
            var records = PipelineRunner.ParseLines(written);
            Assert.InRange(records.Count, 50, 1999);
            // The records on disk are the first ones, in order: nothing before the fault is missing.
            Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (1024 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                records.Select(x => x.Str("source.port")));
        }
        finally
        {
            Sh($"umount '{mountPoint}'");
        }
    }

    [SkippableFact]
    public void WithoutLibpcapLiveCaptureAndFilterSayHowToInstallItAndFilesStillRead()
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "hiding libpcap in a private mount namespace needs root");
        string? library = new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" }
            .SelectMany(d => Directory.Exists(d) ? Directory.GetFiles(d, "libpcap.so*") : [])
            .Select(f => new FileInfo(f)).Where(f => f.LinkTarget is null).Select(f => f.FullName).FirstOrDefault();
        Skip.If(library is null, "libpcap is not installed here, so there is nothing to hide");
        string input = Write("in.pcap", CaptureBuilder.Pcap(1, Flows(3)));
        string empty = Write("empty.so", []);
        string script = Write("run.sh", Encoding.ASCII.GetBytes(
            $"mount --bind '{empty}' '{library}' || exit 99\n" +
            $"'{binary}' -i lo -q 2>'{_dir}/live.err'; echo $? >'{_dir}/live.rc'\n" +
            $"'{binary}' -r '{input}' -q --filter udp 2>'{_dir}/filter.err' >/dev/null; echo $? >'{_dir}/filter.rc'\n" +
            $"'{binary}' -r '{input}' -q --records flow_end >'{_dir}/plain.out' 2>'{_dir}/plain.err'; echo $? >'{_dir}/plain.rc'\n"));
        int rc = Sh($"unshare -m --propagation private sh '{script}'");
        Skip.If(rc == 99 || !File.Exists(Path.Combine(_dir, "live.rc")), "cannot make a private mount namespace here");

        string Text(string name) => File.ReadAllText(Path.Combine(_dir, name)).Trim();
        Assert.Equal("1", Text("live.rc"));
        Assert.Equal("sniffer: libpcap is not installed (Debian: apt-get install libpcap0.8)", OneLine(Text("live.err")));
        Assert.Equal("1", Text("filter.rc"));
        string filter = OneLine(Text("filter.err"));
        Assert.Contains("libpcap", filter, StringComparison.Ordinal);
        Assert.Contains("apt-get install libpcap0.8", filter, StringComparison.Ordinal);
        Assert.Equal("0", Text("plain.rc")); // reading a file without --filter never loads libpcap
        Assert.Equal(3, PipelineRunner.ParseLines(File.ReadAllBytes(Path.Combine(_dir, "plain.out"))).Count);
    }
}
