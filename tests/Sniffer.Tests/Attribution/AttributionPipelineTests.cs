using System.Diagnostics;
using System.Text;
using Sniffer.Attribution;
using Sniffer.Flows;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.Attribution;

/// <summary>Packets through a worker with attribution on (fake /proc): what the records say.</summary>
public class AttributionPipelineTests
{
    private const string Lo = "127.0.0.1";
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/7.88.1\r\n\r\n");
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n\r\n");

    private sealed class Collect : IChunkSink
    {
        public MemoryStream Bytes { get; } = new();

        public void Submit(OutputChunk chunk)
        {
            Bytes.Write(chunk.Span);
            chunk.Return();
        }
    }

    private static List<System.Text.Json.JsonElement> Run(ProcessResolver? resolver, TcpConversation c, bool waitForLookup)
    {
        var sink = new Collect();
        using (var processor = new PacketProcessor(new SnifferOptions { ProcessAttribution = resolver is not null }, sink, null, resolver))
        {
            for (int i = 0; i < c.Frames.Count; i++)
            {
                processor.ProcessPacket(1, c.Frames[i].TimestampNs, c.Frames[i].Data);
                if (i == 0 && waitForLookup)
                {
                    // The SYN made the request; let the attribution thread answer before the flow goes on.
                    var clock = Stopwatch.StartNew();
                    while (Volatile.Read(ref resolver!.Statistics.Completed) == 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        Thread.Sleep(1);
                    }
                }
            }

            processor.Finish(FlowEndReason.EndOfInput);
        }

        return PipelineRunner.ParseLines(sink.Bytes.ToArray());
    }

    [Fact]
    public void BothRecordKindsNameTheServerAndTheClientProcess()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100)
            .Socket("tcp", Lo, 3624, Lo, 40000, SocketState.Established, 101)
            .Socket("tcp", Lo, 40000, Lo, 3624, SocketState.Established, 200, uid: 1000)
            .Process(4242, "python3", ["/usr/bin/python3", "-m", "http.server", "3624"], 12345, exe: "/usr/bin/python3.11", socketInodes: [100, 101])
            .Process(5151, "curl", ["curl", "http://127.0.0.1:3624/"], 20000, uid: 0, exe: "/usr/bin/curl", socketInodes: [200]);
        using var resolver = proc.Resolver();
        resolver.Start();
        var c = new TcpConversation(Lo, 40000, Lo, 3624).Handshake().ClientData(Request).ServerData(Response).Close();
        var records = Run(resolver, c, waitForLookup: true);

        Assert.Equal(2, records.Count);
        foreach (var r in records)
        {
            Assert.Equal("4242", r.Str("process.pid"));
            Assert.Equal("python3", r.Str("process.name"));
            Assert.Equal("/usr/bin/python3.11", r.Str("process.executable"));
            Assert.Equal("/usr/bin/python3 -m http.server 3624", r.Str("process.command_line"));
            Assert.Equal("0", r.Str("process.user.id"));
            Assert.Equal("root", r.Str("process.user.name"));
            Assert.NotNull(r.Str("process.start"));
            Assert.Equal("5151", r.Str("sniffer.client.process.pid"));
            Assert.Equal("curl", r.Str("sniffer.client.process.name"));
            Assert.Equal("/usr/bin/curl", r.Str("sniffer.client.process.executable"));
            Assert.Equal("found", r.Str("sniffer.process_lookup.server"));
            Assert.Equal("found", r.Str("sniffer.process_lookup.client"));
            Assert.Null(r.Get("user")); // the wire's login user stays apart from the process owner
        }
    }

    [Fact]
    public void ARecordWrittenBeforeTheLookUpFinishedSaysPending()
    {
        using var proc = new FakeProc();
        using var resolver = proc.Resolver(); // never started: the look-up cannot finish
        var c = new TcpConversation(Lo, 40000, Lo, 3624).Handshake().ClientData(Request).ServerData(Response).Close();
        var records = Run(resolver, c, waitForLookup: false);
        var end = Assert.Single(records.Action("flow_end"));
        Assert.Null(end.Get("process"));
        Assert.Null(end.Get("sniffer.client"));
        Assert.Equal("pending", end.Str("sniffer.process_lookup.server"));
        Assert.Equal("pending", end.Str("sniffer.process_lookup.client"));
        Assert.Equal(1, resolver.Statistics.WrittenPending); // flows whose last record went out pending
    }

    [Fact]
    public void AFlowBetweenOtherHostsCarriesNoAttributionFields()
    {
        using var proc = new FakeProc();
        using var resolver = proc.Resolver();
        resolver.Start();
        var c = new TcpConversation("10.1.1.1", 40000, "10.2.2.2", 3624).Handshake().ClientData(Request).ServerData(Response).Close();
        var records = Run(resolver, c, waitForLookup: false);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Null(r.Get("sniffer.process_lookup")));
        Assert.All(records, r => Assert.Null(r.Get("process")));
        Assert.Equal(0, resolver.Statistics.Requested);
    }

    [Fact]
    public void WithAttributionOffNothingIsLookedUpOrWritten()
    {
        var c = new TcpConversation(Lo, 40000, Lo, 3624).Handshake().ClientData(Request).ServerData(Response).Close();
        var records = Run(null, c, waitForLookup: false);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Null(r.Get("sniffer.process_lookup")));
    }

    [Fact]
    public void PacketsOfAnAttributedFlowAllocateNothing()
    {
        using var proc = new FakeProc();
        proc.Socket("tcp", Lo, 3624, "0.0.0.0", 0, SocketState.Listen, 100).Process(4242, "python3", ["python3"], 1, socketInodes: [100]);
        using var resolver = proc.Resolver();
        resolver.Start();
        var sink = new Collect();
        using var processor = new PacketProcessor(new SnifferOptions { ProcessAttribution = true }, sink, null, resolver);
        var c = new TcpConversation(Lo, 40000, Lo, 3624).Handshake();
        foreach (var f in c.Frames)
        {
            processor.ProcessPacket(1, f.TimestampNs, f.Data); // the flow and its one look-up: allocations per flow
        }

        byte[] ack = FrameBuilder.TcpFrame(Lo, 40000, Lo, 3624, 1001, 50001, FrameBuilder.Ack);
        long ts = c.Frames[^1].TimestampNs;
        for (int i = 0; i < 100; i++)
        {
            processor.ProcessPacket(1, ++ts, ack); // warm-up
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            processor.ProcessPacket(1, ++ts, ack);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, resolver.Statistics.Requested);
    }
}
