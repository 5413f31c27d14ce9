using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.EndToEnd;

/// <summary>
/// The operator's console of the published binary: the progress line on a pseudo-terminal (util-linux
/// <c>script</c> gives the binary a pty) and its absence without one, the summary table, --summary-only, SNIFFER_*
/// variables, and --stats records during a live capture on lo.
/// </summary>
public class ConsoleEndToEndTests
{
    private const string Erase = "\x1b[K";
    private static string Sample => Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.pcap");

    /// <summary>Runs a shell command line on a pseudo-terminal; returns everything the terminal received.</summary>
    private static string RunOnTerminal(string commandLine)
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "util-linux 'script' is needed to give the binary a pseudo-terminal");
        var psi = new ProcessStartInfo("/usr/bin/script", ["-q", "-e", "-c", commandLine, "/dev/null"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException(commandLine);
        }

        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {stdout.Result}{stderr.Result}");
        return stdout.Result;
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [SkippableFact]
    public void ProgressLineOnATerminalIsDrawnAndErased()
    {
        string binary = SnifferBinary.Binary();
        string output = Path.Combine(Directory.CreateTempSubdirectory("sniffer-tty").FullName, "flows.ndjson");
        string screen = RunOnTerminal($"{Quote(binary)} -r {Quote(Sample)} -w {Quote(output)}");

        var progress = Regex.Matches(screen, @"\rsniffer: (\d+\.\d)% of 20\.4 KiB, [\d,]+ pkt/s, [\d,]+ flows, \d+:\d\d:\d\d\x1b\[K");
        Assert.True(progress.Count >= 1, $"no progress line in: {Printable(screen)}");
        // The line is erased (\r + erase to end of line) before the summary table is printed.
        int lastProgress = progress[^1].Index + progress[^1].Length;
        int erased = screen.IndexOf("\r" + Erase, lastProgress, StringComparison.Ordinal);
        int table = screen.IndexOf("sniffer: port 3624 (registered: dist-upgrade): 3 flows", StringComparison.Ordinal);
        Assert.True(erased >= 0 && erased < table, $"progress not erased before the table: {Printable(screen)}");
        Assert.Contains("71 packets read", screen, StringComparison.Ordinal);
        Assert.Equal(7, File.ReadAllLines(output).Length);
        Directory.Delete(Path.GetDirectoryName(output)!, true);
    }

    [SkippableFact]
    public void ProgressFromAPipeShowsBytesRead()
    {
        string binary = SnifferBinary.Binary();
        string screen = RunOnTerminal($"cat {Quote(Sample)} | {Quote(binary)} -r - --summary-only");
        Assert.Matches(@"\rsniffer: [\d.]+ (B|KiB) read, [\d,]+ pkt/s", screen);
        Assert.DoesNotContain("% of", screen, StringComparison.Ordinal);
        Assert.Contains("sniffer: port 3624", screen, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void NoProgressWhenRecordsGoToTheTerminalOrWithQuiet()
    {
        string binary = SnifferBinary.Binary();
        string screen = RunOnTerminal($"{Quote(binary)} -r {Quote(Sample)}");
        Assert.DoesNotContain(Erase, screen, StringComparison.Ordinal);
        Assert.Contains("\"event\":{\"kind\":\"event\"", screen, StringComparison.Ordinal);

        screen = RunOnTerminal($"{Quote(binary)} -r {Quote(Sample)} -q -w /dev/null");
        Assert.DoesNotContain("sniffer:", screen, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void NoProgressWithoutATerminal()
    {
        var r = SnifferBinary.Run(["-r", Sample, "-w", "/dev/null"]);
        Assert.Equal(0, r.ExitCode);
        Assert.DoesNotContain('\r', r.Stderr);
        Assert.DoesNotContain('\x1b', r.Stderr);
        Assert.StartsWith("sniffer: port 3624 (registered: dist-upgrade): 3 flows", r.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void SummaryOnlyWritesNoRecords()
    {
        var r = SnifferBinary.Run(["-r", Sample, "--summary-only"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Empty(r.Stdout);
        var lines = r.Stderr.TrimEnd('\n').Split('\n');
        Assert.Equal("sniffer: port 3624 (registered: dist-upgrade): 3 flows, 2026-11-26 22:35:26 to 22:35:27 UTC", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("  ssh ", StringComparison.Ordinal) && l.Contains("OpenSSH 9.2p1", StringComparison.Ordinal));
        Assert.StartsWith("sniffer: ", lines[^1], StringComparison.Ordinal);
        Assert.Contains("71 packets read", lines[^1], StringComparison.Ordinal);
    }

    [SkippableFact]
    public void EnvironmentVariablesSetOptionsAndTheCommandLineWins()
    {
        string binary = SnifferBinary.Binary();
        var psi = new ProcessStartInfo(binary, ["-r", Sample]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["SNIFFER_RECORDS"] = "flow_end";
        psi.Environment["SNIFFER_QUIET"] = "yes";
        psi.Environment["SNIFFER_STATS"] = "5";
        psi.Environment["SNIFFER_PORT"] = "22,3624";
        using (var p = Process.Start(psi)!)
        {
            var records = PipelineRunner.ParseLines(Encoding.UTF8.GetBytes(p.StandardOutput.ReadToEnd()));
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Equal("", stderr);
            Assert.Equal(3, records.Count);
            Assert.All(records, r => Assert.Equal("flow_end", r.Str("event.action")));
        }

        psi.ArgumentList.Add("--records");
        psi.ArgumentList.Add("stats");
        psi.Environment["SNIFFER_WORKERS"] = "lots";
        using (var p = Process.Start(psi)!)
        {
            p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(2, p.ExitCode);
            Assert.Contains("SNIFFER_WORKERS", stderr, StringComparison.Ordinal);
        }

        psi.Environment.Remove("SNIFFER_WORKERS");
        using (var p = Process.Start(psi)!)
        {
            var records = PipelineRunner.ParseLines(Encoding.UTF8.GetBytes(p.StandardOutput.ReadToEnd()));
            p.WaitForExit();
            Assert.Equal("stats", Assert.Single(records).Str("event.action"));
        }
    }

    /// <summary>--stats 1 during a live capture on lo: periodic metric records with sane, growing counters, and a final one.</summary>
    [SkippableFact]
    public async Task LiveStatsRecordsEverySecond()
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "live capture needs root (CAP_NET_RAW)");
        const int Port = 47_624; // this test's own port: other tests' loopback traffic stays out of the kernel filter
        string dir = Directory.CreateTempSubdirectory("sniffer-stats").FullName;
        string output = Path.Combine(dir, "live.ndjson");
        var psi = new ProcessStartInfo(binary, ["-i", "lo", "--port", $"{Port}", "--stats", "1", "-w", output])
        {
            RedirectStandardError = true, UseShellExecute = false,
        };
        using var sniffer = Process.Start(psi)!;
        var stderr = new StringBuilder();
        var listening = new TaskCompletionSource();
        sniffer.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        sniffer.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(20));
            using var listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            for (int i = 0; i < 3; i++)
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                using var accepted = await listener.AcceptTcpClientAsync();
                await client.GetStream().WriteAsync("PING stats-test\r\n"u8.ToArray());
                var buf = new byte[64];
                _ = await accepted.GetStream().ReadAsync(buf);
                await accepted.GetStream().WriteAsync("PONG\r\n"u8.ToArray());
                _ = await client.GetStream().ReadAsync(buf);
                await Task.Delay(1000);
            }

            listener.Stop();
            await Task.Delay(500);
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

        Assert.True(sniffer.ExitCode == 0, $"exit {sniffer.ExitCode}: {stderr}");
        var stats = PipelineRunner.ParseLines(File.ReadAllBytes(output)).Action("stats").ToList();
        var periodic = stats.Where(s => !s.Get("sniffer.stats.final")!.Value.GetBoolean()).ToList();
        Assert.True(periodic.Count >= 2, $"{periodic.Count} periodic stats records");
        var final = Assert.Single(stats, s => s.Get("sniffer.stats.final")!.Value.GetBoolean());
        Assert.True(stats[^1].Get("sniffer.stats.final")!.Value.GetBoolean(), "the final stats record is the last");

        long Num(System.Text.Json.JsonElement r, string path) => r.Get(path)!.Value.GetInt64();
        for (int i = 1; i < stats.Count; i++)
        {
            Assert.True(Num(stats[i], "sniffer.stats.packets") >= Num(stats[i - 1], "sniffer.stats.packets"));
            Assert.True(Num(stats[i], "sniffer.stats.flows.created") >= Num(stats[i - 1], "sniffer.stats.flows.created"));
            Assert.True(Num(stats[i], "event.duration") > Num(stats[i - 1], "event.duration"));
            Assert.True(DateTimeOffset.Parse(stats[i].Str("@timestamp")![..26] + "Z", System.Globalization.CultureInfo.InvariantCulture) >=
                        DateTimeOffset.Parse(stats[i - 1].Str("@timestamp")![..26] + "Z", System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal("metric", final.Str("event.kind"));
        Assert.True(Num(final, "sniffer.stats.flows.created") >= 3, final.GetRawText());
        Assert.True(Num(final, "sniffer.stats.packets") >= 3 * 8, final.GetRawText()); // handshake, data both ways, close
        Assert.True(Num(final, "sniffer.stats.pcap.received") >= Num(final, "sniffer.stats.packets"), final.GetRawText());
        Assert.Equal(0, Num(final, "sniffer.stats.pcap.dropped"));
        Assert.Equal(0, Num(final, "sniffer.stats.dropped"));
        Assert.Equal(0, Num(final, "sniffer.stats.flows.active"));
        Assert.True(Num(final, "sniffer.stats.records") >= 3, final.GetRawText());
        Directory.Delete(dir, true);
    }

    private static string Printable(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\x1b", "\\e", StringComparison.Ordinal);
}
