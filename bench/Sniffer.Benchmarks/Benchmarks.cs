using BenchmarkDotNet.Attributes;
using Sniffer.Capture;
using Sniffer.Decoding;
using Sniffer.Flows;
using Sniffer.Output;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;

namespace Sniffer.Benchmarks;

/// <summary>Discards output chunks (returns their buffers to the pool).</summary>
internal sealed class NullSink : IChunkSink
{
    public void Submit(OutputChunk chunk) => chunk.Return();
}

[MemoryDiagnoser]
public class DecoderBenchmarks
{
    private readonly byte[] _tcp = FrameBuilder.TcpFrame("10.0.0.1", 40000, "10.0.0.2", 3624, 1, 1, FrameBuilder.Ack, new byte[1400]);
    private readonly byte[] _vxlan;
    private readonly AnomalyCounters _anomalies = new();

    public DecoderBenchmarks()
    {
        var inner = FrameBuilder.TcpFrame("172.16.0.1", 40000, "172.16.0.2", 3624, 1, 1, FrameBuilder.Ack, new byte[1400]);
        _vxlan = FrameBuilder.UdpFrame("10.0.0.1", 40000, "10.0.0.2", 4789, [0x08, 0, 0, 0, 0, 0, 1, 0, .. inner]);
    }

    [Benchmark]
    public int EthernetIpv4Tcp()
    {
        var p = default(DecodedPacket);
        PacketDecoder.Decode(LinkType.Ethernet, _tcp, ref p, _anomalies);
        return p.PayloadLength;
    }

    [Benchmark]
    public int VxlanInnerTcp()
    {
        var p = default(DecodedPacket);
        PacketDecoder.Decode(LinkType.Ethernet, _vxlan, ref p, _anomalies);
        return p.PayloadLength;
    }
}

/// <summary>
/// Steady state of the whole per-packet path (decode → flow lookup → reassembly → identification bookkeeping):
/// 1,000 established, already identified flows, each receiving bulk segments. Must allocate 0 B per packet.
/// </summary>
[MemoryDiagnoser]
public class PacketPathBenchmarks
{
    private const int Flows = 1000;
    private PacketProcessor _processor = null!;
    private byte[][] _bulk = null!;
    private uint[] _seq = null!;
    private long _ts = 1_000_000_000_000;

    [GlobalSetup]
    public void Setup()
    {
        _processor = new PacketProcessor(new SnifferOptions(), new NullSink());
        _bulk = new byte[Flows][];
        _seq = new uint[Flows];
        var request = "GET /bulk HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench/1.0\r\n\r\n"u8.ToArray();
        var response = "HTTP/1.1 200 OK\r\nServer: bench/1.0\r\nContent-Length: 100000000\r\n\r\n"u8.ToArray();
        for (int i = 0; i < Flows; i++)
        {
            string client = $"10.{i / 250}.{i % 250}.1";
            ushort port = (ushort)(40000 + i);
            Send(FrameBuilder.TcpFrame(client, port, "10.9.9.9", 3624, 100, 0, FrameBuilder.Syn));
            Send(FrameBuilder.TcpFrame("10.9.9.9", 3624, client, port, 500, 101, FrameBuilder.Syn | FrameBuilder.Ack));
            Send(FrameBuilder.TcpFrame(client, port, "10.9.9.9", 3624, 101, 501, FrameBuilder.Psh | FrameBuilder.Ack, request));
            Send(FrameBuilder.TcpFrame("10.9.9.9", 3624, client, port, 501, (uint)(101 + request.Length), FrameBuilder.Psh | FrameBuilder.Ack, response));
            _seq[i] = (uint)(501 + response.Length);
            _bulk[i] = FrameBuilder.TcpFrame("10.9.9.9", 3624, client, port, _seq[i], (uint)(101 + request.Length), FrameBuilder.Ack, new byte[1400]);
        }
    }

    private void Send(byte[] frame) => _processor.ProcessPacket(LinkType.Ethernet, _ts += 1000, frame);

    [Benchmark(OperationsPerInvoke = Flows)]
    public void BulkSegmentOfIdentifiedFlow()
    {
        for (int i = 0; i < Flows; i++)
        {
            _processor.ProcessPacket(LinkType.Ethernet, _ts += 1000, _bulk[i]);
        }
    }
}

[MemoryDiagnoser]
public class FlowTableBenchmarks
{
    private readonly FlowTable _table = new();
    private FlowKey[] _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keys = new FlowKey[10_000];
        var anomalies = new AnomalyCounters();
        for (int i = 0; i < _keys.Length; i++)
        {
            var frame = FrameBuilder.TcpFrame($"10.{i / 250}.{i % 250}.1", (ushort)(1024 + i), "10.9.9.9", 3624, 1, 1, FrameBuilder.Ack);
            var p = default(DecodedPacket);
            PacketDecoder.Decode(LinkType.Ethernet, frame, ref p, anomalies);
            _keys[i] = FlowKey.Create(p, out _);
            _table.Add(_keys[i]);
        }
    }

    [Benchmark(OperationsPerInvoke = 10_000)]
    public int Lookup()
    {
        int found = 0;
        foreach (var k in _keys)
        {
            if (_table.TryGet(k, out _))
            {
                found++;
            }
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = 10_000)]
    public void RemoveAndInsert()
    {
        foreach (var k in _keys)
        {
            _table.TryGet(k, out var f);
            _table.Remove(f);
            _table.Add(k);
        }
    }
}

[MemoryDiagnoser]
public class RecordWriterBenchmarks
{
    private readonly PooledBufferWriter _buffer = new(new NullSink());
    private FlowRecordWriter _writer = null!;
    private Flow _flow = null!;

    [GlobalSetup]
    public void Setup()
    {
        var detector = new Sniffer.Fingerprinting.ProtocolDetector(new Sniffer.Fingerprinting.InspectionLimits());
        _writer = new FlowRecordWriter(_buffer, detector);
        var key = FlowKey.Create(IpAddr.Parse("10.0.0.1"), 40000, IpAddr.Parse("10.0.0.2"), 3624, 6, 0, out bool clientIsA);
        _flow = new Flow
        {
            Key = key,
            ClientIsA = clientIsA,
            Transport = Sniffer.Fingerprinting.Transport.Tcp,
            FirstNs = 1_700_000_000_000_000_000,
            LastNs = 1_700_000_001_000_000_000,
            ClientBytes = 1234,
            ServerBytes = 56789,
            ClientPackets = 10,
            ServerPackets = 40,
        };
    }

    [Benchmark]
    public void FlowEndRecord()
    {
        _writer.Write(_flow, isEnd: true, FlowEndReason.Fin, _flow.LastNs);
        _buffer.Flush();
    }
}

[MemoryDiagnoser]
public class CaptureReaderBenchmarks
{
    private byte[] _file = null!;

    private sealed class CountingSink : IPacketSink
    {
        public long Bytes;

        public void OnPacket(int linkType, long timestampNs, ReadOnlySpan<byte> data, int wireLength) => Bytes += data.Length;

        public void OnIdle(long nowNs)
        {
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        var frames = Enumerable.Range(0, 10_000).Select(i => new CapturedFrame(1_000_000_000L + i,
            FrameBuilder.TcpFrame("10.0.0.1", 40000, "10.0.0.2", 3624, (uint)i, 1, FrameBuilder.Ack, new byte[(i * 131) % 1400])));
        _file = CaptureBuilder.Pcap(LinkType.Ethernet, frames);
    }

    [Benchmark(OperationsPerInvoke = 10_000)]
    public long ReadPcap()
    {
        var sink = new CountingSink();
        using var reader = new CaptureFileReader("bench", new MemoryStream(_file, writable: false));
        reader.Run(sink, CancellationToken.None);
        return sink.Bytes;
    }
}

/// <summary>
/// The per-flow path, where most of the time goes on real traffic (~23 packets per flow): one short TCP flow from
/// SYN through the exchange to FIN/FIN/ACK, identification and both records (protocol_detected, flow_end)
/// included. One operation = one whole flow. Flows use rotating client ports so every operation is a new flow.
/// </summary>
[MemoryDiagnoser]
public class FlowLifecycleBenchmarks
{
    private const int Ports = 4096;
    private PacketProcessor _processor = null!;
    private byte[][][] _http = null!;
    private byte[][][] _unknown = null!;
    private long _ts = 1_000_000_000_000;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _processor = new PacketProcessor(new SnifferOptions(), new NullSink());
        var request = "GET /index.html HTTP/1.1\r\nHost: bench.example:3624\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"u8.ToArray();
        var response = "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"u8.ToArray();
        var random = new Random(1);
        var blob = new byte[600];
        random.NextBytes(blob);
        _http = new byte[Ports][][];
        _unknown = new byte[Ports][][];
        for (int i = 0; i < Ports; i++)
        {
            _http[i] = Conversation((ushort)(20000 + i), request, response);
            _unknown[i] = Conversation((ushort)(20000 + i), blob, blob.AsSpan(0, 300).ToArray());
        }

        // Warm up pools and lazily built tables.
        for (int i = 0; i < 2 * Ports; i++)
        {
            HttpFlow();
        }
    }

    private static byte[][] Conversation(ushort port, byte[] request, byte[] response)
    {
        const string client = "10.1.2.3", server = "10.9.9.9";
        uint c = 1000, s = 50000;
        return
        [
            FrameBuilder.TcpFrame(client, port, server, 3624, c, 0, FrameBuilder.Syn),
            FrameBuilder.TcpFrame(server, 3624, client, port, s, c + 1, FrameBuilder.Syn | FrameBuilder.Ack),
            FrameBuilder.TcpFrame(client, port, server, 3624, c + 1, s + 1, FrameBuilder.Ack),
            FrameBuilder.TcpFrame(client, port, server, 3624, c + 1, s + 1, FrameBuilder.Psh | FrameBuilder.Ack, request),
            FrameBuilder.TcpFrame(server, 3624, client, port, s + 1, c + 1 + (uint)request.Length, FrameBuilder.Psh | FrameBuilder.Ack, response),
            FrameBuilder.TcpFrame(client, port, server, 3624, c + 1 + (uint)request.Length, s + 1 + (uint)response.Length, FrameBuilder.Fin | FrameBuilder.Ack),
            FrameBuilder.TcpFrame(server, 3624, client, port, s + 1 + (uint)response.Length, c + 2 + (uint)request.Length, FrameBuilder.Fin | FrameBuilder.Ack),
            FrameBuilder.TcpFrame(client, port, server, 3624, c + 2 + (uint)request.Length, s + 2 + (uint)response.Length, FrameBuilder.Ack),
        ];
    }

    private void Run(byte[][] frames)
    {
        foreach (var f in frames)
        {
            // 2 ms apart: a port comes round again after 4096 flows (65 s), long after its tombstone's linger.
            _processor.ProcessPacket(LinkType.Ethernet, _ts += 2_000_000, f);
        }
    }

    [Benchmark]
    public void HttpFlow() => Run(_http[_next++ & (Ports - 1)]);

    [Benchmark]
    public void UnknownFlow() => Run(_unknown[_next++ & (Ports - 1)]);
}
