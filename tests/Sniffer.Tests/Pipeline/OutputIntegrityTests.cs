using Sniffer.Capture;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Pipeline;

/// <summary>What the output thread writes: whole lines only, whatever the number of workers and however slow the output.</summary>
public class OutputIntegrityTests
{
    /// <summary>An output that takes its time, so the output channel fills and workers wait in the middle of a flush.</summary>
    private sealed class SlowStream : MemoryStream
    {
        // A derived MemoryStream routes span writes through this overload.
        public override void Write(byte[] buffer, int offset, int count)
        {
            Thread.Sleep(1);
            base.Write(buffer, offset, count);
        }
    }

    internal static byte[] UdpFlood(int sources, ushort port = 3624, int payload = 64, long stepNs = 1_000)
    {
        var frames = new List<CapturedFrame>(sources);
        var data = new byte[payload];
        for (int i = 0; i < sources; i++)
        {
            string src = $"10.{(i >> 16) & 0xFF}.{(i >> 8) & 0xFF}.{i & 0xFF}";
            data[0] = (byte)i;
            frames.Add(new(1_750_000_000_000_000_000L + (i * stepNs), FrameBuilder.UdpFrame(src, (ushort)(1024 + (i % 60000)), "192.0.2.1", port, data)));
        }

        return CaptureBuilder.Pcap(1, frames);
    }

    [Fact]
    public void SeveralWorkersNeverInterleaveHalfRecords()
    {
        var capture = UdpFlood(40_000);
        var output = new SlowStream();
        using var source = new CaptureFileReader("flood.pcap", new MemoryStream(capture));
        var result = SnifferPipeline.Run(source, new SnifferOptions { Workers = 2 }, output, "slow", null, CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        var records = PipelineRunner.ParseLines(output.ToArray());
        Assert.Equal(40_000, records.Action("flow_end").Count());
    }
}
