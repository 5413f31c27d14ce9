using Sniffer.Capture;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Robustness;

/// <summary>
/// A stalled output (a full pipe, a slow disk): reading a file waits for it — nothing is lost and nothing piles up
/// in memory beyond the bounded queues; live capture never waits — it drops and counts.
/// </summary>
public class BackPressureTests
{
    /// <summary>An output whose writes wait until the test opens the gate.</summary>
    private sealed class GatedStream(Stream inner) : Stream
    {
        public readonly ManualResetEventSlim Gate = new(false);
        public readonly ManualResetEventSlim Entered = new(false);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Entered.Set();
            Gate.Wait();
            inner.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>The capture as a stream whose read position the test can watch (wraps, so no read overload recurses).</summary>
    private sealed class WatchedInput(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        private long _consumed;

        public long Consumed => Interlocked.Read(ref _consumed);

        public override int Read(Span<byte> buffer)
        {
            int n = _inner.Read(buffer);
            Interlocked.Add(ref _consumed, n);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>True once <paramref name="value"/> stopped changing for <paramref name="stillMs"/> (after changing at least once).</summary>
    private static bool WaitUntilStill(Func<long> value, int stillMs = 1000, int timeoutMs = 60_000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (value() == 0 && sw.ElapsedMilliseconds < timeoutMs)
        {
            Thread.Sleep(50);
        }

        long last = value();
        var stillSince = System.Diagnostics.Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            Thread.Sleep(100);
            long now = value();
            if (now != last)
            {
                last = now;
                stillSince.Restart();
            }
            else if (stillSince.ElapsedMilliseconds >= stillMs)
            {
                return true;
            }
        }

        return false;
    }

    [Fact]
    public void AStalledOutputHoldsBackTheFileReaderAndLosesNothing()
    {
        // What may be in flight while the output is stalled is bounded: the pipe buffer (1 MiB of capture), the
        // batches queued for a worker (Dispatcher.ChannelCapacity + 2 of PacketBatch.MaxPackets packets), what the
        // worker holds (PacketProcessor.MaxPendingOutputBytes) and the output queue (OutputWriter.ChannelCapacity
        // chunks): about 110,000 one-packet flows here. 300,000 flows cannot all be read before the output moves.
        const int Sources = 300_000;
        var capture = Flood.Udp(Sources, payload: 1);
        var input = new WatchedInput(capture);
        var records = new RecordStream(_ => { });
        var output = new GatedStream(records);
        RunResult? result = null;
        var run = new Thread(() =>
        {
            using var source = new CaptureFileReader("flood.pcap", input);
            result = SnifferPipeline.Run(source, new SnifferOptions { Records = RecordKinds.FlowEnd, MaxFlows = 1000 }, output, "gated", null, CancellationToken.None);
        });
        run.Start();
        try
        {
            Assert.True(output.Entered.Wait(60_000), "the output was never written");
            Assert.True(WaitUntilStill(() => input.Consumed), "reading never stopped while the output was stalled");
            Assert.True(input.Consumed < capture.Length * 3 / 4, $"read {input.Consumed} of {capture.Length} bytes with the output stalled");
        }
        finally
        {
            output.Gate.Set();
        }

        Assert.True(run.Join(120_000));
        Assert.Equal(0, result!.ExitCode);
        Assert.Equal(0, result.PacketsDropped);
        Assert.Equal(Sources, records.Records);
    }

    /// <summary>A live source that delivers packets as fast as it can and never waits.</summary>
    private sealed class FastLiveSource(byte[][] frames) : IPacketSource
    {
        public string Name => "fast0";

        public bool IsLive => true;

        public CaptureStatistics Statistics { get; } = new();

        public readonly ManualResetEventSlim Delivered = new(false);

        public void Run(IPacketSink sink, CancellationToken cancellation)
        {
            long t = Flood.StartNs;
            foreach (var f in frames)
            {
                sink.OnPacket(1, t += 1_000, f, f.Length);
                Statistics.PacketsRead++;
            }

            Delivered.Set();
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void LiveCaptureDropsAndCountsInsteadOfWaitingForAStalledOutput()
    {
        const int Packets = 200_000;
        var frames = Enumerable.Range(0, Packets)
            .Select(i => FrameBuilder.UdpFrame(Flood.Source(i), (ushort)(10000 + (i % 50000)), "192.0.2.1", 3624, "x"u8)).ToArray();
        var source = new FastLiveSource(frames);
        var records = new RecordStream(_ => { });
        var output = new GatedStream(records);
        RunResult? result = null;
        var run = new Thread(() => result = SnifferPipeline.Run(source, new SnifferOptions { Records = RecordKinds.FlowEnd, MaxFlows = 1000 },
            output, "gated", null, CancellationToken.None));
        run.Start();
        try
        {
            // The capture thread finishes delivering every packet although nothing can be written.
            Assert.True(source.Delivered.Wait(120_000), "the live source was held by the stalled output");
            Assert.Equal(Packets, source.Statistics.PacketsRead);
        }
        finally
        {
            output.Gate.Set();
        }

        Assert.True(run.Join(120_000));
        Assert.Equal(0, result!.ExitCode);
        Assert.True(result.PacketsDropped > 0, "a stalled output must make live capture drop");
        Assert.Equal(Packets, result.PacketsDropped + result.Totals.Packets); // every packet processed or counted as dropped
        Assert.Equal(result.Totals.FlowsCreated, records.Records);
    }
}
