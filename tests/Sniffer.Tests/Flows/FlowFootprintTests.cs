using Sniffer.Decoding;
using Sniffer.Flows;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.Flows;

/// <summary>Heap measurements: run alone, after the parallel tests, so other tests' allocations do not count.</summary>
[CollectionDefinition(nameof(FlowFootprintTests), DisableParallelization = true)]
public sealed class FlowFootprintCollection
{
}

/// <summary>
/// What one flow costs while it lives (issue 5: per-flow state after identification ≤ 256 bytes). Measured, not
/// estimated: the heap bytes of N flow objects, and the heap retained by N open, idle flows of a worker
/// (GC.GetTotalMemory after a full collection, before and after), which counts the flow, its hash-table slot,
/// its idle-list links and what it still references (protocol metadata).
/// </summary>
[Collection(nameof(FlowFootprintTests))]
public class FlowFootprintTests
{
    /// <summary>
    /// The budget of the flow object itself (fields, header and padding): 232 bytes today (216 before the process
    /// look-up reference and the per-flow anomaly bits), with room for one more field; with its 8-byte hash-table
    /// slot it stays under issue 5's 256 bytes.
    /// </summary>
    public const int FlowObjectBudget = 240;
    /// <summary>A flow without payload (a scan, a handshake that carried nothing): flow, table slot, nothing else.</summary>
    public const int IdleFlowBudget = 256;

    private readonly ITestOutputHelper _output;

    public FlowFootprintTests(ITestOutputHelper output) => _output = output;

    private sealed class NullSink : IChunkSink
    {
        public void Submit(OutputChunk chunk) => chunk.Return();
    }

    [Fact]
    public void FlowObjectStaysWithinItsBudget()
    {
        const int n = 10_000;
        var keep = new Flow[n];
        keep[0] = new Flow(); // the type's statics, once
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < n; i++)
        {
            keep[i] = new Flow();
        }

        long perFlow = (GC.GetAllocatedBytesForCurrentThread() - before) / n;
        _output.WriteLine($"Flow object: {perFlow} bytes");
        GC.KeepAlive(keep);
        Assert.InRange(perFlow, 64, FlowObjectBudget);
    }

    /// <summary>
    /// Measured on a thread of its own: the per-thread pools and caches (strings, TLS shapes, reassembly buffers) of
    /// an earlier measurement then die with their thread instead of being trimmed or replaced in the middle of this
    /// one, which made the figure swing (once below zero).
    /// </summary>
    private static long RetainedPerFlow(int n, Func<int, TcpConversation> conversation)
    {
        long result = 0;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RetainedPerFlowOnThisThread(n, conversation);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, maxStackSize: 16 << 20);
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("measurement failed", failure);
        }

        return result;
    }

    private static long RetainedPerFlowOnThisThread(int n, Func<int, TcpConversation> conversation)
    {
        // flow_end records only: nothing is written while the flows are open, so the heap holds flows alone.
        using var processor = new PacketProcessor(new SnifferOptions { Records = RecordKinds.FlowEnd }, new NullSink());
        long ts = 1_750_000_000_000_000_000L;
        void Feed(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                foreach (var f in conversation(i).Frames)
                {
                    processor.ProcessPacket(LinkType.Ethernet, ts++, f.Data);
                }
            }
        }

        Feed(0, 200); // warm-up: pools, lazily built tables
        long before = GC.GetTotalMemory(forceFullCollection: true);
        Feed(200, 200 + n);
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.Equal(200 + n, processor.ActiveFlows);
        GC.KeepAlive(processor);
        return (after - before) / n;
    }

    private static string Client(int i) => $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";

    [Fact]
    public void IdleFlowWithoutPayloadStaysWithinItsBudget()
    {
        long bytes = RetainedPerFlow(10_000, i => new TcpConversation(Client(i), (ushort)(1024 + (i % 60000)), "10.200.0.1", 3624).Handshake());
        _output.WriteLine($"open idle TCP flow, handshake only: {bytes} bytes retained per flow");
        Assert.InRange(bytes, 64, IdleFlowBudget);
    }

    [Fact]
    public void IdentifiedFlowsReport()
    {
        var http = SampleStreams.Http;
        var tls = SampleStreams.Tls;
        var ssh = SampleStreams.Ssh;
        (string Name, byte[] Client, byte[] Server)[] kinds = [("http", http.Client, http.Server), ("tls", tls.Client, tls.Server), ("ssh", ssh.Client, ssh.Server)];
        foreach (var (name, client, server) in kinds)
        {
            long bytes = RetainedPerFlow(5_000, i => new TcpConversation(Client(i), (ushort)(1024 + (i % 60000)), "10.200.0.1", 3624).Handshake()
                .ClientData(client.AsSpan(0, Math.Min(client.Length, 4096))).ServerData(server.AsSpan(0, Math.Min(server.Length, 4096))));
            _output.WriteLine($"open idle {name} flow after identification (sample conversation): {bytes} bytes retained per flow");
            Assert.True(bytes > 0);
        }
    }
}
