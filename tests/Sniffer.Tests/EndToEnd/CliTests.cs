using System.Text;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.EndToEnd;

/// <summary>The published native binary: exit codes, messages, stdin, closed pipes, the golden capture.</summary>
public class CliTests
{
    private static string Sample => Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.pcap");

    [SkippableFact]
    public void HelpAndVersion()
    {
        var r = SnifferBinary.Run(["--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--any-port", Encoding.UTF8.GetString(r.Stdout));
        r = SnifferBinary.Run(["--version"]);
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("sniffer ", Encoding.UTF8.GetString(r.Stdout));
    }

    [SkippableTheory]
    [InlineData("--bogus")]
    [InlineData("-r")]
    [InlineData("--port", "70000")]
    [InlineData("--records", "nope", "-r", "x")]
    public void UsageErrorsExitTwoWithOneLine(params string[] args)
    {
        var r = SnifferBinary.Run(args.Length == 0 ? [] : args);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("sniffer: ", r.Stderr);
    }

    [SkippableFact]
    public void NothingToReadIsAUsageError()
    {
        Assert.Equal(2, SnifferBinary.Run([]).ExitCode);
    }

    [SkippableFact]
    public void MissingFileAndNonCaptureExitOneWithOneLine()
    {
        var r = SnifferBinary.Run(["-r", "/nonexistent/capture.pcap"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("sniffer: /nonexistent/capture.pcap: no such file\n", r.Stderr);

        string notPcap = Path.GetTempFileName();
        File.WriteAllText(notPcap, "this is not a capture file at all");
        r = SnifferBinary.Run(["-r", notPcap, "-q"]);
        File.Delete(notPcap);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"sniffer: {notPcap}: not a pcap or pcapng file\n", r.Stderr);
        Assert.Empty(r.Stdout);
    }

    [SkippableFact]
    public void MissingInterfaceIsOneLine()
    {
        var r = SnifferBinary.Run(["-i", "does-not-exist0"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [SkippableFact]
    public void GoldenOutputOfTheShippedCapture()
    {
        var r = SnifferBinary.Run(["-r", Sample, "-q"]);
        Assert.Equal(0, r.ExitCode);
        string expected = File.ReadAllText(Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.ndjson"));
        Assert.Equal(expected, Encoding.UTF8.GetString(r.Stdout));
    }

    [SkippableFact]
    public void ShippedCaptureShowsHttpTlsAndSsh()
    {
        var r = SnifferBinary.Run(["-r", Sample, "-q", "--records", "flow_end"]);
        var records = PipelineRunner.ParseLines(r.Stdout);
        var byProto = records.ToDictionary(x => x.Str("network.protocol")!);
        Assert.Equal(["http", "ssh", "tls"], byProto.Keys.Order());
        Assert.StartsWith("curl/", byProto["http"].Str("user_agent.original"));
        Assert.Equal("demo.sniffer.test", byProto["tls"].Str("tls.client.server_name"));
        Assert.StartsWith("OpenSSH_", byProto["ssh"].Str("sniffer.ssh.server.software"));
        Assert.All(records, x => Assert.Equal("3624", x.Str("destination.port")));
    }

    [SkippableFact]
    public void ReadsStandardInput()
    {
        SnifferBinary.Binary();
        var file = File.ReadAllBytes(Sample);
        var fromStdin = SnifferBinary.Run(["-r", "-", "-q"], stdin: file);
        var fromFile = SnifferBinary.Run(["-r", Sample, "-q"]);
        Assert.Equal(0, fromStdin.ExitCode);
        Assert.Equal(fromFile.Stdout, fromStdin.Stdout);
    }

    [SkippableFact]
    public void WritesToFileWithMode0640()
    {
        string dir = Directory.CreateTempSubdirectory().FullName;
        string outPath = Path.Combine(dir, "flows.ndjson");
        var r = SnifferBinary.Run(["-r", Sample, "-q", "-w", outPath]);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(outPath));
        Assert.NotEmpty(PipelineRunner.ParseLines(File.ReadAllBytes(outPath)));
        Directory.Delete(dir, true);
    }

    [SkippableFact]
    public void UnwritableOutputIsOneLine()
    {
        var r = SnifferBinary.Run(["-r", Sample, "-w", "/nonexistent-dir/out.ndjson"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("sniffer: /nonexistent-dir/out.ndjson: cannot open for writing", r.Stderr);
    }

    [SkippableFact]
    public void ClosedPipeEndsCleanly()
    {
        // The reader takes one line and goes away; sniffer must exit 0 without a stack trace.
        string sh = $"set -o pipefail; '{SnifferBinary.Binary()}' -r '{Sample}' -q | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}";
        var psi = new System.Diagnostics.ProcessStartInfo("bash", ["-c", sh]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal("0", stdout.Trim());
        Assert.DoesNotContain("Exception", stderr);
    }

    /// <summary>
    /// A script's background job starts with SIGINT ignored (`sniffer … &amp;` in sh); SIGINT must still stop the
    /// sniffer cleanly — open flows flushed, exit 0 — as it stops tcpdump.
    /// </summary>
    [SkippableFact]
    public void SigintStopsEvenWhenStartedWithSigintIgnored()
    {
        string binary = SnifferBinary.Binary();
        string dir = Directory.CreateTempSubdirectory("sniffer-int").FullName;
        string outPath = Path.Combine(dir, "flows.ndjson");
        var open = new TcpConversation("10.1.1.1", 50003, "10.2.2.2", 3624).Handshake().ClientData("still open"u8);
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh",
            ["-c", "trap '' INT; exec \"$0\" -r - -q -w \"$1\" --records flow_end", binary, outPath])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdin = p.StandardInput.BaseStream;
        stdin.Write(CaptureBuilder.Pcap(1, open.Frames));
        stdin.Flush();
        Thread.Sleep(1000); // exec done, the packets read; the pipe stays open
        Assert.Contains("SigIgn", File.ReadAllText($"/proc/{p.Id}/status"), StringComparison.Ordinal);
        SnifferBinary.Signal(p, SnifferBinary.SigInt);
        Assert.True(p.WaitForExit(5_000), "SIGINT was ignored");
        Assert.Equal(0, p.ExitCode);
        var end = Assert.Single(PipelineRunner.ParseLines(File.ReadAllBytes(outPath)));
        Assert.Equal("shutdown", end.Str("sniffer.end_reason"));
        Directory.Delete(dir, true);
    }

    [SkippableFact]
    public void PipedInputIsProcessedAsItArrivesAndSighupReopensTheOutput()
    {
        string binary = SnifferBinary.Binary();
        string dir = Directory.CreateTempSubdirectory("sniffer-hup").FullName;
        string outPath = Path.Combine(dir, "flows.ndjson");
        var a = new TcpConversation("10.1.1.1", 50001, "10.2.2.2", 3624).Handshake().ClientData("hello"u8).Close();
        var b = new TcpConversation("10.1.1.2", 50002, "10.2.2.2", 3624, startNs: 1_750_000_100_000_000_000L).Handshake().ClientData("again"u8).Close();
        byte[] fileA = CaptureBuilder.Pcap(1, a.Frames);
        byte[] fileB = CaptureBuilder.Pcap(1, b.Frames)[24..]; // records only: the same stream continues

        var psi = new System.Diagnostics.ProcessStartInfo(binary, ["-r", "-", "-q", "-w", outPath, "--records", "flow_end"])
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdin = p.StandardInput.BaseStream;
        stdin.Write(fileA);
        stdin.Flush();
        Assert.True(WaitFor(() => File.Exists(outPath) && File.ReadAllText(outPath).Contains("50001", StringComparison.Ordinal)),
            "the record of a finished flow must be written while the pipe stays open");

        File.Move(outPath, outPath + ".1");
        SnifferBinary.Signal(p, 1); // SIGHUP
        Thread.Sleep(200);
        stdin.Write(fileB);
        stdin.Close();
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("50001", File.ReadAllText(outPath + ".1"), StringComparison.Ordinal);
        string reopened = File.ReadAllText(outPath);
        Assert.Contains("50002", reopened, StringComparison.Ordinal);
        Assert.DoesNotContain("50001", reopened, StringComparison.Ordinal);
        Directory.Delete(dir, true);
    }

    [SkippableFact]
    public void UserDropsRootForGood()
    {
        SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "dropping privileges needs root to start with");
        string dir = Directory.CreateTempSubdirectory("sniffer-root-only").FullName; // mode 0700, owned by root
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string capture = Path.Combine(dir, "in.pcap");
        File.WriteAllBytes(capture, CaptureBuilder.Pcap(1, new TcpConversation("10.1.1.1", 50001, "10.2.2.2", 3624).Handshake().Frames));
        string output = Path.Combine(dir, "out.ndjson");

        // As root, the root-only directory is writable...
        Assert.Equal(0, SnifferBinary.Run(["-r", capture, "-q", "-w", output]).ExitCode);
        File.Delete(output);

        // ...after the drop it is not, although the capture (opened before the drop) was read.
        var r = SnifferBinary.Run(["-r", capture, "-q", "--user", "nobody", "-w", output]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("permission denied", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        r = SnifferBinary.Run(["-r", capture, "-q", "--user", "no-such-user-xyz"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("sniffer: --user no-such-user-xyz: no such user\n", r.Stderr);
        Directory.Delete(dir, true);
    }

    private static bool WaitFor(Func<bool> condition, int timeoutMs = 5000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return condition();
    }

    [SkippableFact]
    public void UnsupportedLinkTypeIsReportedOnceNotPerPacket()
    {
        SnifferBinary.Binary();
        var frames = Enumerable.Range(0, 50).Select(i => new CapturedFrame(1_000_000_000L + i, new byte[60])).ToList();
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, CaptureBuilder.Pcap(147, frames)); // LINKTYPE_USER0
        var r = SnifferBinary.Run(["-r", path]);
        File.Delete(path);
        Assert.Equal(0, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("link type 147", StringComparison.Ordinal));
        Assert.Contains("50 packets read", r.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void FilterExpressionOnAFile()
    {
        var all = PipelineRunner.ParseLines(SnifferBinary.Run(["-r", Sample, "-q", "--records", "flow_end"]).Stdout);
        string sshClientPort = all.Single(x => x.Str("network.protocol") == "ssh").Str("source.port")!;
        var r = SnifferBinary.Run(["-r", Sample, "-q", "--records", "flow_end", "--filter", $"tcp port {sshClientPort}"]);
        Assert.Equal(0, r.ExitCode);
        var only = PipelineRunner.ParseLines(r.Stdout);
        Assert.Equal("ssh", Assert.Single(only).Str("network.protocol"));

        r = SnifferBinary.Run(["-r", Sample, "--filter", "this is not bpf"]);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("sniffer: bad filter", r.Stderr);
    }

    [SkippableFact]
    public void EveryCorpusCaptureIsReadWithoutError()
    {
        string dir = Path.Combine(SnifferBinary.CorpusDir, "pcap");
        Skip.IfNot(Directory.Exists(dir), $"{dir} not present (the shared nDPI corpus sits beside the project checkout only)");
        foreach (var file in Directory.GetFiles(dir))
        {
            var r = SnifferBinary.Run(["-r", file, "--any-port", "-q"]);
            Assert.True(r.ExitCode == 0, $"{Path.GetFileName(file)}: exit {r.ExitCode}: {r.Stderr}");
            PipelineRunner.ParseLines(r.Stdout); // every line one JSON object
        }
    }
}
