using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sniffer.Output.Delivery;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Delivery;

/// <summary>
/// Delivery with the published binary: the rotating -w file, --syslog to a real rsyslogd (also across a
/// restart of the receiver mid-run), and the observer fields. Deterministic input: captures built here, read
/// from a file or fed through a pipe.
/// </summary>
public sealed class DeliveryEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sniffer-delivery").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Temp(string name) => Path.Combine(_dir, name);

    /// <summary>
    /// <paramref name="count"/> finished TCP conversations on port 3624 (HTTP, SSH, unidentified bytes in turn),
    /// 100 ms apart; client ports from <paramref name="firstPort"/>.
    /// </summary>
    private static List<CapturedFrame> Conversations(int count, ushort firstPort, long startNs = 1_750_000_000_000_000_000L)
    {
        var frames = new List<CapturedFrame>();
        var random = new Random(firstPort);
        for (int i = 0; i < count; i++)
        {
            var c = new TcpConversation($"10.9.{i / 200}.{i % 200 + 1}", (ushort)(firstPort + i), "10.9.255.1", 3624, startNs + i * 100_000_000L).Handshake();
            switch (i % 3)
            {
                case 0:
                    c.ClientData(Encoding.ASCII.GetBytes($"GET /item/{i} HTTP/1.1\r\nHost: shop{i}.example\r\nUser-Agent: test-agent/{i}\r\n\r\n"))
                        .ServerData("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n"u8);
                    break;
                case 1:
                    c.ClientData("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"u8).ServerData("SSH-2.0-OpenSSH_8.9\r\n"u8);
                    break;
                default:
                    var bytes = new byte[200 + i];
                    random.NextBytes(bytes);
                    c.ClientData(bytes);
                    break;
            }

            frames.AddRange(c.Close().Frames);
        }

        return frames;
    }

    private string CaptureFile(int conversations, ushort firstPort = 20000)
    {
        string path = Temp($"in-{conversations}-{firstPort}.pcap");
        File.WriteAllBytes(path, CaptureBuilder.Pcap(1, Conversations(conversations, firstPort)));
        return path;
    }

    private static string[] Lines(string path) => File.ReadAllLines(path);

    private static Process StartPiped(IEnumerable<string> args, StringBuilder stderr)
    {
        var psi = new ProcessStartInfo(SnifferBinary.Binary()) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        p.BeginErrorReadLine();
        return p;
    }

    private static bool WaitFor(Func<bool> condition, int timeoutMs = 30_000)
    {
        var sw = Stopwatch.StartNew();
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

    private static int CountContaining(string path, string text) =>
        File.Exists(path) ? File.ReadLines(path).Count(l => l.Contains(text, StringComparison.Ordinal)) : 0;

    // ---------------------------------------------------------------- rotation

    [SkippableFact]
    public void RotationBySizeSplitsOnlyBetweenRecordsAndKeepsEveryOne()
    {
        string capture = CaptureFile(60);
        var all = SnifferBinary.Run(["-r", capture, "-q"]);
        Assert.Equal(0, all.ExitCode);
        string expected = Encoding.UTF8.GetString(all.Stdout);
        Assert.True(expected.Length > 20_000, "enough records for several files");

        string output = Temp("flows.ndjson");
        var r = SnifferBinary.Run(["-r", capture, "-q", "-w", output, "--rotate-size", "4k", "--rotate-keep", "1000"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        List<string> files = [.. Enumerable.Range(1, 1000).Select(n => RotatingFileStream.RotatedName(output, n)).Where(File.Exists).Reverse(), output];
        Assert.True(files.Count > 5, $"{files.Count} files");
        Assert.Equal(expected, string.Concat(files.Select(File.ReadAllText))); // nothing lost, nothing reordered
        foreach (var f in files)
        {
            byte[] bytes = File.ReadAllBytes(f);
            Assert.Equal((byte)'\n', bytes[^1]); // every file ends with a complete line
            Assert.True(bytes.Length <= 4096 || bytes.Count(b => b == '\n') == 1, $"{f}: {bytes.Length} bytes");
            PipelineRunner.ParseLines(bytes); // every line one JSON object
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(f));
        }
    }

    [SkippableFact]
    public void RotateKeepDropsTheOldestFiles()
    {
        string capture = CaptureFile(30);
        var all = Encoding.UTF8.GetString(SnifferBinary.Run(["-r", capture, "-q"]).Stdout);
        string output = Temp("keep.ndjson");
        var r = SnifferBinary.Run(["-r", capture, "-q", "-w", output, "--rotate-size", "2k", "--rotate-keep", "2"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(3, Directory.GetFiles(_dir, "keep.ndjson*").Length);
        string kept = File.ReadAllText(RotatingFileStream.RotatedName(output, 2)) + File.ReadAllText(RotatingFileStream.RotatedName(output, 1)) + File.ReadAllText(output);
        Assert.EndsWith(kept, all, StringComparison.Ordinal); // the newest records, in order
        Assert.True(kept.Length < all.Length);
    }

    [SkippableFact]
    public void RotationByIntervalOnAPipeAndSighupStillReopens()
    {
        string output = Temp("interval.ndjson");
        var stderr = new StringBuilder();
        using var p = StartPiped(["-r", "-", "-q", "-w", output, "--rotate-interval", "1", "--records", "flow_end"], stderr);
        var stdin = p.StandardInput.BaseStream;
        var a = new TcpConversation("10.1.1.1", 50001, "10.2.2.2", 3624).Handshake().ClientData("hello"u8).Close();
        var b = new TcpConversation("10.1.1.2", 50002, "10.2.2.2", 3624, startNs: 1_750_000_100_000_000_000L).Handshake().ClientData("again"u8).Close();
        var c = new TcpConversation("10.1.1.3", 50003, "10.2.2.2", 3624, startNs: 1_750_000_200_000_000_000L).Handshake().ClientData("third"u8).Close();
        stdin.Write(CaptureBuilder.Pcap(1, a.Frames));
        stdin.Flush();
        Assert.True(WaitFor(() => CountContaining(output, "50001") == 1), "first record written");
        Thread.Sleep(1200); // the interval passes
        stdin.Write(CaptureBuilder.Pcap(1, b.Frames)[24..]);
        stdin.Flush();
        Assert.True(WaitFor(() => CountContaining(output, "50002") == 1), "second record written");
        Assert.Contains("50001", File.ReadAllText(RotatingFileStream.RotatedName(output, 1)), StringComparison.Ordinal);
        Assert.DoesNotContain("50001", File.ReadAllText(output), StringComparison.Ordinal);

        // logrotate-style: the file is moved away and SIGHUP makes sniffer write a new one (rotation still on).
        File.Move(output, output + ".moved");
        SnifferBinary.Signal(p, 1);
        Thread.Sleep(200);
        stdin.Write(CaptureBuilder.Pcap(1, c.Frames)[24..]);
        stdin.Close();
        Assert.True(p.WaitForExit(20_000));
        Assert.True(p.ExitCode == 0, stderr.ToString());
        Assert.Contains("50002", File.ReadAllText(output + ".moved"), StringComparison.Ordinal);
        Assert.Contains("50003", File.ReadAllText(output), StringComparison.Ordinal);
        Assert.DoesNotContain("50002", File.ReadAllText(output), StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData(new[] { "--rotate-size", "10M" }, "need -w FILE")]
    [InlineData(new[] { "-w", "-", "--rotate-interval", "1h" }, "need -w FILE")]
    [InlineData(new[] { "-w", "x", "--rotate-size", "100" }, "not a size")]
    [InlineData(new[] { "-w", "x", "--rotate-interval", "5y" }, "not a duration")]
    [InlineData(new[] { "-w", "x", "--rotate-keep", "0" }, "not a number")]
    [InlineData(new[] { "--syslog", "127.0.0.1:514" }, "expected tcp://HOST:PORT")]
    [InlineData(new[] { "--syslog", "tcp://::1:514" }, "IPv6 address goes in brackets")]
    [InlineData(new[] { "--syslog", "tcp://127.0.0.1:514", "--syslog-facility", "local9" }, "not a facility")]
    [InlineData(new[] { "--syslog-facility", "user" }, "need --syslog")]
    [InlineData(new[] { "--syslog", "udp://127.0.0.1:514", "--syslog-max-size", "100k" }, "UDP datagram")]
    [InlineData(new[] { "--sensor-name", "" }, "--sensor-name")]
    public void DeliveryUsageErrors(string[] args, string message)
    {
        var r = SnifferBinary.Run(["-r", "/nonexistent.pcap", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- observer

    [SkippableFact]
    public void SensorNameIsInEveryRecordKindAndFilesStayMachineIndependent()
    {
        string capture = CaptureFile(6);
        var r = SnifferBinary.Run(["-r", capture, "-q", "--sensor-name", "dmz \"edge\" 1"]);
        Assert.Equal(0, r.ExitCode);
        var records = PipelineRunner.ParseLines(r.Stdout);
        Assert.Contains(records, x => x.Str("event.action") == "flow_end");
        Assert.Contains(records, x => x.Str("event.action") == "protocol_detected");
        Assert.Contains(records, x => x.Str("event.action") == "port_summary");
        foreach (var x in records)
        {
            Assert.Equal("dmz \"edge\" 1", x.Str("observer.name"));
            Assert.Null(x.Get("observer.hostname")); // a capture file: not the machine that reads it
            Assert.Null(x.Get("observer.ingress"));
        }

        var plain = PipelineRunner.ParseLines(SnifferBinary.Run(["-r", capture, "-q"]).Stdout);
        Assert.All(plain, x => Assert.Null(x.Get("observer")));
    }

    [SkippableFact]
    public async Task LiveRecordsNameTheHostAndTheInterface()
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "live capture needs root (CAP_NET_RAW)");
        string output = Temp("live.ndjson");
        var stderr = new StringBuilder();
        var psi = new ProcessStartInfo(binary, ["-i", "lo", "-w", output, "--sensor-name", "lab-7", "--summary-interval", "0"])
        { RedirectStandardError = true, UseShellExecute = false };
        using var sniffer = Process.Start(psi)!;
        var listening = new TaskCompletionSource();
        sniffer.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        sniffer.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(20));
            // A VXLAN-carried flow (the carrier passes the kernel filter): inner addresses unique to this test.
            using var udp = new UdpClient();
            var c = new TcpConversation("172.31.77.10", 41077, "172.31.77.20", 3624).Handshake()
                .ClientData("SSH-2.0-OpenSSH_9.2p1\r\n"u8).ServerData("SSH-2.0-OpenSSH_8.9\r\n"u8).Close();
            foreach (var f in c.Frames)
            {
                byte[] vxlan = [0x08, 0, 0, 0, 0, 0x30, 0x39, 0, .. f.Data]; // VNI 12345
                await udp.SendAsync(vxlan, new IPEndPoint(IPAddress.Loopback, 4789));
            }

            Assert.True(WaitFor(() => CountContaining(output, "172.31.77.20") >= 2, 10_000), "records of the flow");
        }
        finally
        {
            SnifferBinary.Signal(sniffer, SnifferBinary.SigTerm);
            if (!sniffer.WaitForExit(10_000))
            {
                sniffer.Kill();
            }

            sniffer.WaitForExit();
        }

        Assert.True(sniffer.ExitCode == 0, stderr.ToString());
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(output));
        var mine = records.Where(x => x.Str("destination.ip") == "172.31.77.20").ToList();
        Assert.Contains(mine, x => x.Str("event.action") == "flow_end");
        Assert.Contains(records, x => x.Str("event.action") == "port_summary");
        foreach (var x in mine.Concat(records.Where(x => x.Str("event.action") == "port_summary")))
        {
            Assert.Equal(Dns.GetHostName(), x.Str("observer.hostname"));
            Assert.Equal("lo", x.Str("observer.ingress.interface.name"));
            Assert.Equal("lab-7", x.Str("observer.name"));
        }
    }

    // ---------------------------------------------------------------- syslog

    /// <summary>MSGID, APP-NAME, PRI of each message vs the record it carries.</summary>
    private static void AssertHeaders(string[] headers, string[] records, int pri)
    {
        Assert.Equal(records.Length, headers.Length);
        string hostname = Dns.GetHostName();
        var procIds = new HashSet<string>();
        for (int i = 0; i < headers.Length; i++)
        {
            var h = headers[i].Split(' ');
            using var doc = JsonDocument.Parse(records[i]);
            string kind = doc.RootElement.GetProperty("event").GetProperty("action").GetString()!;
            Assert.Equal([pri.ToString(System.Globalization.CultureInfo.InvariantCulture), "sniffer"], h[..2]);
            procIds.Add(h[2]);
            Assert.Equal(kind, h[3]);
            Assert.Equal(hostname, h[4]);
            Assert.Equal("-", h[5]); // no structured data
            Assert.Equal("1", h[6]); // RFC 5424
        }

        Assert.True(int.TryParse(Assert.Single(procIds), out _));
    }

    [SkippableFact]
    public void SyslogOverTcpToRsyslogDeliversEveryRecordOfTheRun()
    {
        SnifferBinary.Binary();
        using var rsyslog = new Rsyslog();
        string capture = CaptureFile(150);
        string output = Temp("tcp.ndjson");
        var r = SnifferBinary.Run(["-r", capture, "-w", output, "--syslog", $"tcp://127.0.0.1:{rsyslog.Port}", "--syslog-max-size", "64k"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] written = Lines(output);
        Assert.True(written.Length > 200, $"{written.Length} records");
        Assert.True(rsyslog.WaitForMessages(written.Length), $"{rsyslog.Messages().Length} of {written.Length} arrived");
        Thread.Sleep(300); // nothing more may arrive
        Assert.Equal(written, rsyslog.Messages()); // byte for byte, in order
        AssertHeaders(rsyslog.Headers(), written, 134); // local0.info
        Assert.Contains($"{written.Length} records sent, 0 dropped (queue full), 0 dropped (longer than 65536 bytes), 0 not delivered at exit, 1 connections", r.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void SyslogOverUdpToRsyslogOneRecordPerDatagram()
    {
        SnifferBinary.Binary();
        using var rsyslog = new Rsyslog();
        string capture = CaptureFile(40, 21000);
        var r = SnifferBinary.Run(["-r", capture, "-w", "-", "--syslog", $"udp://127.0.0.1:{rsyslog.Port}", "--syslog-facility", "user"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        string[] written = Encoding.UTF8.GetString(r.Stdout).TrimEnd('\n').Split('\n'); // -w - keeps standard output
        Assert.True(written.Length > 60, $"{written.Length} records");
        Assert.True(rsyslog.WaitForMessages(written.Length), $"{rsyslog.Messages().Length} of {written.Length} arrived");
        Thread.Sleep(300);
        Assert.Equal(written.Order(StringComparer.Ordinal), rsyslog.Messages().Order(StringComparer.Ordinal));
        AssertHeaders(rsyslog.Headers(), rsyslog.Messages(), 14); // user.info; both files in the order rsyslog got the datagrams
        Assert.Contains($"{written.Length} records sent", r.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void UdpRecordsOverTheSizeLimitAreDroppedAndCountedNotCut()
    {
        SnifferBinary.Binary();
        using var rsyslog = new Rsyslog();
        string capture = CaptureFile(12, 22000);
        var r = SnifferBinary.Run(["-r", capture, "-w", "-", "--syslog", $"udp://127.0.0.1:{rsyslog.Port}", "--syslog-max-size", "1000"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var written = Encoding.UTF8.GetString(r.Stdout).TrimEnd('\n').Split('\n');
        var stats = System.Text.RegularExpressions.Regex.Match(r.Stderr, @"(\d+) records sent, 0 dropped \(queue full\), (\d+) dropped \(longer than 1000 bytes\)");
        Assert.True(stats.Success, r.Stderr);
        int sent = int.Parse(stats.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int tooLong = int.Parse(stats.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(sent > 0 && tooLong > 0, $"{sent} sent, {tooLong} too long: the capture must give both");
        Assert.Equal(written.Length, sent + tooLong);
        Assert.Contains($"{tooLong} records not sent (0 queue full, {tooLong} too long, 0 still queued at exit)", r.Stderr, StringComparison.Ordinal);
        Assert.True(rsyslog.WaitForMessages(sent, 20_000));
        Thread.Sleep(300);
        var got = rsyslog.Messages();
        Assert.Equal(sent, got.Length);
        Assert.All(got, m => Assert.Contains(m, written)); // whole records only, never cut
        Assert.All(got, m => Assert.True(Encoding.UTF8.GetByteCount(m) < 1000));
        Assert.All(written.Where(w => Encoding.UTF8.GetByteCount(w) > 1000), w => Assert.DoesNotContain(w, got));
    }

    /// <summary>
    /// rsyslogd is killed by its PID mid-run and started again: the records produced meanwhile wait in sniffer's
    /// queue, sniffer reconnects, and every record of the run reaches rsyslog — exactly the lines of the -w file.
    /// </summary>
    [SkippableFact]
    public void AReceiverRestartMidRunLosesNoRecord()
    {
        SnifferBinary.Binary();
        using var rsyslog = new Rsyslog();
        string output = Temp("restart.ndjson");
        var stderr = new StringBuilder();
        using var p = StartPiped(["-r", "-", "-w", output, "--syslog", $"tcp://127.0.0.1:{rsyslog.Port}", "--syslog-max-size", "64k"], stderr);
        var stdin = p.StandardInput.BaseStream;
        byte[] first = CaptureBuilder.Pcap(1, Conversations(40, 30000));
        byte[] second = CaptureBuilder.Pcap(1, Conversations(40, 31000, startNs: 1_750_000_100_000_000_000L))[24..]; // the same stream continues

        stdin.Write(first);
        stdin.Flush();
        Assert.True(WaitFor(() => CountContaining(output, "\"flow_end\"") == 40), "first half processed");
        int firstHalf = Lines(output).Length;
        Assert.True(rsyslog.WaitForMessages(firstHalf), $"first half delivered: {rsyslog.Messages().Length} of {firstHalf}");

        rsyslog.Kill();
        stdin.Write(second);
        stdin.Flush();
        Assert.True(WaitFor(() => CountContaining(output, "\"flow_end\"") == 80), "second half processed while the receiver is away");
        Assert.True(WaitFor(() => stderr.ToString().Contains("queueing records", StringComparison.Ordinal), 10_000), stderr.ToString());
        Thread.Sleep(1000); // a few failed reconnects
        Assert.Equal(firstHalf, rsyslog.Messages().Length);

        rsyslog.Start();
        int both = Lines(output).Length;
        Assert.True(rsyslog.WaitForMessages(both), $"queued records delivered after the restart: {rsyslog.Messages().Length} of {both}; {stderr}");
        stdin.Close();
        Assert.True(p.WaitForExit(30_000));
        Assert.True(p.ExitCode == 0, stderr.ToString());

        string[] written = Lines(output);
        Assert.True(rsyslog.WaitForMessages(written.Length), "the end-of-run records too");
        Thread.Sleep(300);
        Assert.Equal(written, rsyslog.Messages());
        AssertHeaders(rsyslog.Headers(), written, 134);
        string log = stderr.ToString();
        Assert.Contains("connected again", log, StringComparison.Ordinal);
        Assert.Contains($"{written.Length} records sent, 0 dropped (queue full), 0 dropped (longer than 65536 bytes), 0 not delivered at exit, 2 connections", log, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void WithoutAReceiverTheRunEndsInBoundedTimeAndCountsWhatWasNotDelivered()
    {
        string capture = CaptureFile(5, 23000);
        int port = TestSyslogReceiver.FreePort(SyslogTransport.Tcp);
        var r = SnifferBinary.Run(["-r", capture, "-q", "--syslog", $"tcp://127.0.0.1:{port}"], timeoutMs: 30_000);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stdout); // --syslog replaces standard output
        Assert.Contains("cannot connect", r.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"syslog tcp://127\.0\.0\.1:\d+: (\d+) records not sent \(0 queue full, 0 too long, \1 still queued at exit\)", r.Stderr);
    }

    [SkippableFact]
    public void SyslogReplacesStandardOutputUnlessDashW()
    {
        string capture = CaptureFile(3, 24000);
        using var receiver = new TestSyslogReceiver(SyslogTransport.Tcp);
        var only = SnifferBinary.Run(["-r", capture, "-q", "--syslog", $"tcp://127.0.0.1:{receiver.Port}"]);
        Assert.Equal(0, only.ExitCode);
        Assert.Empty(only.Stdout);
        var both = SnifferBinary.Run(["-r", capture, "-q", "-w", "-", "--syslog", $"tcp://127.0.0.1:{receiver.Port}"]);
        Assert.Equal(0, both.ExitCode);
        var lines = Encoding.UTF8.GetString(both.Stdout).TrimEnd('\n').Split('\n');
        Assert.True(receiver.WaitForCount(2 * lines.Length));
        Assert.Equal(lines.Concat(lines), receiver.Records());
    }
}
