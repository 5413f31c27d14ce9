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

    [Fact]
    public void SeveralWorkersNeverInterleaveHalfRecords()
    {
        var capture = Flood.Udp(40_000);
        var output = new SlowStream();
        using var source = new CaptureFileReader("flood.pcap", new MemoryStream(capture));
        var result = SnifferPipeline.Run(source, new SnifferOptions { Workers = 2 }, output, "slow", null, CancellationToken.None);
        Assert.Equal(0, result.ExitCode);
        var records = PipelineRunner.ParseLines(output.ToArray());
        Assert.Equal(40_000, records.Action("flow_end").Count());
    }
}
