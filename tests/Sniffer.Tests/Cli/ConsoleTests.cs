using Sniffer.Cli;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Cli;

/// <summary>The console's pieces in-process: the summary table, the progress text, the stats record.</summary>
public class ConsoleTests
{
    private static byte[] ShippedCapture => File.ReadAllBytes(Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.pcap"));

    [Fact]
    public void SummaryTableShowsProtocolsServersAndProducts()
    {
        var (records, result) = PipelineRunner.Run(ShippedCapture, new SnifferOptions { Records = Sniffer.Output.RecordKinds.None, CollectPortSummary = true });
        Assert.Empty(records);
        string table = SummaryTable.Render(result.PortSummary!.Snapshot());
        var lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal("sniffer: port 3624 (registered: dist-upgrade): 3 flows, 2026-11-26 22:35:26 to 22:35:27 UTC", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("  ssh ", StringComparison.Ordinal) && l.Contains("1 flow", StringComparison.Ordinal)
            && l.Contains("servers 127.0.0.1:3624", StringComparison.Ordinal) && l.Contains("products OpenSSH 9.2p1 (1)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  http ", StringComparison.Ordinal) && l.Contains("SimpleHTTP 0.6", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  tls ", StringComparison.Ordinal));
    }

    [Fact]
    public void SummaryTableDescribesUnknownFlows()
    {
        var frames = new List<CapturedFrame>();
        for (int i = 0; i < 3; i++)
        {
            byte[] message = [0xCA, 0xFE, 0x00, 0x01, 0, 0, 0, (byte)i, 0, 0, 0, 0, 0, 0, 0, 0];
            frames.AddRange(new TcpConversation("10.1.1.1", (ushort)(50000 + i), "10.2.2.2", 3624, startNs: 1_750_000_000_000_000_000L + i * 1_000_000_000L).Handshake().ClientData(message).ServerData(message).Close().Frames);
        }

        var (_, result) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames), new SnifferOptions { CollectPortSummary = true });
        string table = SummaryTable.Render(result.PortSummary!.Snapshot());
        Assert.Contains("  unknown ", table, StringComparison.Ordinal);
        var shape = Assert.Single(table.Split('\n'), l => l.StartsWith("    3 flows: binary-protocol, entropy ", StringComparison.Ordinal));
        Assert.Contains("first bytes \"\\xca\\xfe\\x00\\x01", shape, StringComparison.Ordinal);
        Assert.Contains("shape tcp/c/binary-protocol/cafe0001/len16 (", shape, StringComparison.Ordinal);
    }

    [Fact]
    public void SummaryTableShowsTheBusiestPortsWhenThereAreMany()
    {
        var frames = new List<CapturedFrame>();
        for (int port = 1; port <= SummaryTable.TopPorts + 5; port++)
        {
            for (int i = 0; i < (port == 3 ? 2 : 1); i++)
            {
                frames.AddRange(new TcpConversation("10.1.1.1", (ushort)(40000 + (port * 10) + i), "10.2.2.2", (ushort)(5000 + port)).Handshake()
                    .ClientData("HELLO there\r\n"u8).Close().Frames);
            }
        }

        var (_, result) = PipelineRunner.Run(CaptureBuilder.Pcap(1, frames), new SnifferOptions { AnyPort = true, CollectPortSummary = true });
        var lines = SummaryTable.Render(result.PortSummary!.Snapshot()).TrimEnd('\n').Split('\n');
        Assert.Equal(SummaryTable.TopPorts, lines.Count(l => l.StartsWith("sniffer: port ", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.StartsWith("sniffer: port 5003: 2 flows", StringComparison.Ordinal));
        Assert.Equal("sniffer: ... and 5 more ports with 5 flows (the port_summary records list them all)", lines[^1]);
    }

    [Fact]
    public void SummaryTableSaysWhenNothingWasSeen()
    {
        var (_, result) = PipelineRunner.Run(ShippedCapture, new SnifferOptions { Ports = [9], CollectPortSummary = true });
        Assert.Equal("sniffer: summary: no flow ended on a watched port\n", SummaryTable.Render(result.PortSummary!.Snapshot()));
    }

    [Theory]
    [InlineData("abc", 5, "abc")]
    [InlineData("abcdefgh", 5, "abcde...")]
    [InlineData("ab\\xcafe", 5, "ab...")]
    [InlineData("ab\\xca\\xfe", 6, "ab\\xca...")]
    [InlineData("abcd\\r\\nxyz", 5, "abcd...")]
    public void FirstBytesAreCutBetweenEscapes(string text, int max, string expected) => Assert.Equal(expected, SummaryTable.Cut(text, max));

    [Fact]
    public void ProgressTextForFilesAndPipes()
    {
        var c = new PipelineCounters
        {
            StartNs = 0, NowNs = 75_000_000_000L, InputBytesConsumed = 512L << 20, InputLength = 2048L << 20, FlowsCreated = 12345,
        };
        Assert.Equal("sniffer: 25.0% of 2.0 GiB, 153,402 pkt/s, 12,345 flows, 0:01:15", ProgressLine.Format(c, 153_402.4));
        Assert.Equal("sniffer: 512.0 MiB read, 0 pkt/s, 12,345 flows, 0:01:15", ProgressLine.Format(c with { InputLength = null }, 0));
        Assert.Equal("812 B", ProgressLine.Size(812));
        Assert.Equal("1.5 KiB", ProgressLine.Size(1536));
    }

    [Fact]
    public void FinalStatsRecordOfAFileMatchesTheRun()
    {
        var (records, result) = PipelineRunner.Run(ShippedCapture, new SnifferOptions { StatsIntervalSeconds = 1 });
        var stats = Assert.Single(records.Action("stats"));
        Assert.Equal("stats", records[^1].Str("event.action")); // the last record
        Assert.Equal("metric", stats.Str("event.kind"));
        Assert.Equal("sniffer.stats", stats.Str("event.dataset"));
        Assert.True(stats.Get("sniffer.stats.final")!.Value.GetBoolean());
        Assert.Equal(result.Capture!.PacketsRead.ToString(), stats.Str("sniffer.stats.packets"));
        Assert.Equal(result.Capture.BytesRead.ToString(), stats.Str("sniffer.stats.bytes"));
        Assert.Equal(result.Totals.FlowsCreated.ToString(), stats.Str("sniffer.stats.flows.created"));
        Assert.Equal(result.Totals.RecordsWritten.ToString(), stats.Str("sniffer.stats.records"));
        Assert.Equal("0", stats.Str("sniffer.stats.flows.active"));
        Assert.Null(stats.Get("sniffer.stats.pcap"));
        // Files: stamped with packet time (the last packet), not the clock of the machine.
        Assert.Equal(records.Action("port_summary").Single().Str("@timestamp"), stats.Str("@timestamp"));

        // Without --stats, or with --records not naming stats, there is none.
        Assert.Empty(PipelineRunner.Run(ShippedCapture).Records.Action("stats"));
        Assert.Empty(PipelineRunner.Run(ShippedCapture, new SnifferOptions { StatsIntervalSeconds = 1, Records = Sniffer.Output.RecordKinds.FlowEnd }).Records.Action("stats"));
    }
}
