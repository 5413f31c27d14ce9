using System.Buffers.Binary;
using Sniffer.Decoding;
using Sniffer.Flows;
using Sniffer.Fuzz.Support;
using Sniffer.Pipeline;
using Sniffer.Tests.Support;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>
/// TCP reassembly, Suricata-style: the input is a config byte, then a sequence of chunks, each a header byte, a
/// 2-byte payload length, a 2-byte signed sequence delta (relative to the next byte that direction would send)
/// and the payload. Header bits: 0 direction (1 = server → client), 1 SYN, 2 FIN, 3 RST, 4 ACK, 5 acknowledge
/// 4096 bytes past what the peer sent (an acked hole: a gap), 6-7 time step (1 ms, 1 s, 6 s: past the closing
/// linger, 301 s: past the TCP idle timeout, so the flow ends and is picked up again mid-stream).
/// Config bits: 0-1 inspection window (64, 512, 4096, 8192 bytes), 2 IPv6, 3 start with a three-way handshake.
/// The chunks drive (1) a <see cref="StreamReassembler"/> pair checked against a plain byte-array model (the
/// in-order bytes must be the model's first-wins bytes, and as many of them unless a gap was declared), and
/// (2) a <see cref="PacketProcessor"/> through FrameBuilder-built frames, whose every record must be valid JSON.
/// </summary>
internal sealed class TcpReassemblyFuzzer : IFuzzer
{
    public const int HeaderLength = 5;
    /// <summary>Largest payload one chunk carries (keeps the IPv4 total length in range).</summary>
    public const int MaxPayload = 16 * 1024;

    private static readonly int[] Windows = [64, 512, 4096, 8192];
    private const uint ClientIsn = 1000;
    private const uint ServerIsn = 50000;
    private const ushort ClientPort = 50000;

    public const byte Server = 0x01, Syn = 0x02, Fin = 0x04, Rst = 0x08, Ack = 0x10, AckBeyond = 0x20;
    public const byte Second = 0x40, Linger = 0x80, Idle = 0xC0;
    public const byte ConfigIpv6 = 0x04, ConfigHandshake = 0x08;

    public string Name => "tcp-reassembly";

    public string[] Dictionaries => ["http.dict", "tls.dict", "ssh.dict"];

    private readonly record struct Chunk(bool FromServer, TcpFlags Flags, uint Sequence, uint Acknowledgment, long TimeNs, byte[] Payload);

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        byte config = input[0];
        int window = Windows[config & 3];
        var chunks = Parse(config, input[1..]);
        Reassemble(chunks, window);
        Process(chunks, window, (config & ConfigIpv6) != 0);
    }

    private static List<Chunk> Parse(byte config, ReadOnlySpan<byte> rest)
    {
        var chunks = new List<Chunk>();
        uint clientNext = ClientIsn, serverNext = ServerIsn;
        long time = 1_750_000_000_000_000_000L;
        if ((config & ConfigHandshake) != 0)
        {
            chunks.Add(new Chunk(false, TcpFlags.Syn, ClientIsn - 1, 0, time, []));
            chunks.Add(new Chunk(true, TcpFlags.Syn | TcpFlags.Ack, ServerIsn - 1, ClientIsn, time + 1000, []));
            chunks.Add(new Chunk(false, TcpFlags.Ack, ClientIsn, ServerIsn, time + 2000, []));
        }

        while (rest.Length >= HeaderLength)
        {
            byte h = rest[0];
            int length = Math.Min(Math.Min(BinaryPrimitives.ReadUInt16BigEndian(rest[1..]), rest.Length - HeaderLength), MaxPayload);
            short delta = BinaryPrimitives.ReadInt16BigEndian(rest[3..]);
            byte[] payload = rest.Slice(HeaderLength, length).ToArray();
            rest = rest[(HeaderLength + length)..];

            bool fromServer = (h & Server) != 0;
            var flags = TcpFlags.None;
            flags |= (h & Syn) != 0 ? TcpFlags.Syn : 0;
            flags |= (h & Fin) != 0 ? TcpFlags.Fin : 0;
            flags |= (h & Rst) != 0 ? TcpFlags.Rst : 0;
            flags |= (h & Ack) != 0 ? TcpFlags.Ack : 0;
            flags |= payload.Length > 0 ? TcpFlags.Psh : 0;
            time += (h & 0xC0) switch { Second => 1_000_000_000L, Linger => 6_000_000_000L, Idle => 301_000_000_000L, _ => 1_000_000L };

            ref uint next = ref fromServer ? ref serverNext : ref clientNext;
            uint peerNext = fromServer ? clientNext : serverNext;
            uint seq = unchecked(next + (uint)delta);
            uint ack = unchecked(peerNext + ((h & AckBeyond) != 0 ? 4096u : 0u));
            chunks.Add(new Chunk(fromServer, flags, seq, ack, time, payload));

            uint end = unchecked(seq + (uint)payload.Length + ((flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u));
            if ((int)(end - next) > 0)
            {
                next = end;
            }
        }

        return chunks;
    }

    /// <summary>The reassembler pair alone, as <c>PacketProcessor.HandleTcp</c> drives it, checked against the model.</summary>
    private static void Reassemble(List<Chunk> chunks, int window)
    {
        var anomalies = new AnomalyCounters();
        var client = new StreamReassembler();
        var server = new StreamReassembler();
        var clientModel = new StreamModel(window);
        var serverModel = new StreamModel(window);
        try
        {
            foreach (var c in chunks)
            {
                ref var stream = ref c.FromServer ? ref server : ref client;
                ref var peer = ref c.FromServer ? ref client : ref server;
                var model = c.FromServer ? serverModel : clientModel;
                bool syn = (c.Flags & TcpFlags.Syn) != 0;
                if (syn)
                {
                    stream.SetBase(c.Sequence + 1);
                    model.SetBase(c.Sequence + 1);
                }

                uint seq = syn ? c.Sequence + 1 : c.Sequence;
                model.Add(seq, c.Payload, accepted: !stream.IsComplete);
                stream.Add(seq, c.Payload, window, anomalies);
                if ((c.Flags & TcpFlags.Ack) != 0)
                {
                    peer.OnPeerAck(c.Acknowledgment, anomalies);
                }

                if ((c.Flags & TcpFlags.Fin) != 0)
                {
                    stream.Finish(anomalies);
                }

                if ((c.Flags & TcpFlags.Rst) != 0)
                {
                    client.Finish(anomalies);
                    server.Finish(anomalies);
                }

                clientModel.Check(client, "client");
                serverModel.Check(server, "server");
            }
        }
        finally
        {
            client.Release();
            server.Release();
        }
    }

    private static void Process(List<Chunk> chunks, int window, bool ipv6)
    {
        var output = new ChunkCollector();
        var options = new SnifferOptions { Inspection = new() { MaxBytesPerDirection = window } };
        using (var processor = new PacketProcessor(options, output))
        {
            foreach (var c in chunks)
            {
                processor.ProcessPacket(LinkType.Ethernet, c.TimeNs, Frame(c, ipv6));
            }

            processor.Finish(FlowEndReason.EndOfInput);
            if (processor.Statistics.Packets != chunks.Count || processor.Statistics.Decoded != chunks.Count)
            {
                throw new FuzzInvariantException($"{chunks.Count} frames built, {processor.Statistics.Decoded} decoded");
            }
        }

        JsonCheck.Ndjson(output.Written, "tcp-reassembly records");
    }

    private static byte[] Frame(in Chunk c, bool ipv6)
    {
        (string client, string server) = ipv6 ? ("2001:db8::1", "2001:db8::2") : ("10.1.1.1", "10.2.2.2");
        (string src, string dst) = c.FromServer ? (server, client) : (client, server);
        (ushort sport, ushort dport) = c.FromServer ? (SeedMaterial.Port, ClientPort) : (ClientPort, SeedMaterial.Port);
        byte[] tcp = FrameBuilder.Tcp(sport, dport, c.Sequence, c.Acknowledgment, (byte)c.Flags, c.Payload);
        return ipv6
            ? FrameBuilder.Ethernet(0x86DD, FrameBuilder.Ipv6(src, dst, PacketDecoder.ProtoTcp, tcp))
            : FrameBuilder.Ethernet(0x0800, FrameBuilder.Ipv4(src, dst, PacketDecoder.ProtoTcp, tcp));
    }

    /// <summary>
    /// What one direction's reassembler must hold: a plain array of the window's bytes where each byte keeps the
    /// first value that arrived for it (sequence numbers placed by 32-bit signed distance from the base).
    /// </summary>
    private sealed class StreamModel(int window)
    {
        private readonly byte[] _bytes = new byte[window];
        private readonly bool[] _filled = new bool[window];
        private bool _hasBase;
        private uint _base;

        public void SetBase(uint sequence)
        {
            if (!_hasBase)
            {
                _base = sequence;
                _hasBase = true;
            }
        }

        public void Add(uint sequence, byte[] payload, bool accepted)
        {
            if (!accepted || payload.Length == 0)
            {
                return;
            }

            SetBase(sequence);
            long start = (int)(sequence - _base);
            for (int i = 0; i < payload.Length; i++)
            {
                long pos = start + i;
                if (pos >= 0 && pos < window && !_filled[pos])
                {
                    _bytes[pos] = payload[i];
                    _filled[pos] = true;
                }
            }
        }

        private int Contiguous()
        {
            int n = 0;
            while (n < window && _filled[n])
            {
                n++;
            }

            return n;
        }

        public void Check(in StreamReassembler stream, string side)
        {
            int expected = Contiguous();
            var got = stream.Contiguous;
            if (got.Length > expected || !got.SequenceEqual(_bytes.AsSpan(0, got.Length)))
            {
                throw new FuzzInvariantException($"{side}: reassembled {got.Length} bytes that are not the first {got.Length} first-wins bytes (model has {expected} in order)");
            }

            if (!stream.HasGap && got.Length != expected)
            {
                throw new FuzzInvariantException($"{side}: {got.Length} bytes in order without a gap, the model has {expected}");
            }
        }
    }

    /// <summary>A chunk as the input encodes it.</summary>
    public static byte[] Encode(byte header, short delta, ReadOnlySpan<byte> payload)
    {
        var b = new byte[HeaderLength + payload.Length];
        b[0] = header;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(1), (ushort)payload.Length);
        BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(3), delta);
        payload.CopyTo(b.AsSpan(HeaderLength));
        return b;
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material)
    {
        byte[] req = SeedMaterial.HttpRequest, resp = SeedMaterial.HttpResponse;
        const byte Data = Ack;
        yield return ("http-in-order", [ConfigHandshake | 1,
            .. Encode(Data, 0, req.AsSpan(0, 30)), .. Encode(Data, 0, req.AsSpan(30)),
            .. Encode(Server | Data, 0, resp),
            .. Encode(Fin | Ack, 0, []), .. Encode(Server | Fin | Ack, 0, []), .. Encode(Ack, 0, [])]);
        yield return ("http-reordered", [ConfigHandshake | 1,
            .. Encode(Data, 30, req.AsSpan(30)), .. Encode(Data, (short)-req.Length, req.AsSpan(0, 30)),
            .. Encode(Server | Data, 0, resp)]);
        yield return ("overlap-conflict", [ConfigHandshake | 1,
            .. Encode(Data, 0, req.AsSpan(0, 40)), .. Encode(Data, -20, SeedMaterial.Binary(40, 14)), .. Encode(Server | Data, 0, resp)]);
        yield return ("acked-hole-gap", [ConfigHandshake | 1,
            .. Encode(Data, 100, req), .. Encode(Server | Ack | AckBeyond, 0, []), .. Encode(Data, -50, req)]);
        yield return ("many-holes", [ConfigHandshake | 2,
            .. Enumerable.Range(0, 10).SelectMany(i => Encode(Data, 20, req.AsSpan(0, 5))), .. Encode(Data, -500, req)]);
        yield return ("window-full", [ConfigHandshake | 0, .. Encode(Data, 0, SeedMaterial.Binary(200, 15)), .. Encode(Server | Data, 0, resp)]);
        yield return ("idle-then-resume-midstream", [1,
            .. Encode(Data, 0, req), .. Encode(Server | Data | Idle, 0, resp), .. Encode(Data | Second, 0, req), .. Encode(Server | Rst, 0, [])]);
        yield return ("rst-then-linger", [ConfigHandshake | ConfigIpv6 | 1,
            .. Encode(Data, 0, req), .. Encode(Server | Rst, 0, []), .. Encode(Server | Data | Linger, 0, resp)]);
        yield return ("syn-with-data-wrap", [3,
            .. Encode(Syn, 0, req.AsSpan(0, 10)), .. Encode(Server | Syn | Ack, -1, []), .. Encode(Data, 0, req.AsSpan(10))]);
        yield return ("tls", [ConfigHandshake | 2, .. Encode(Data, 0, SeedMaterial.TlsClientHello("demo.sniffer.test")), .. Encode(Server | Data, 0, SeedMaterial.TlsServerHello())]);
        yield return ("ssh", [ConfigHandshake | 1, .. Encode(Server | Data, 0, SeedMaterial.SshServerBanner), .. Encode(Data, 0, SeedMaterial.SshClientBanner), .. Encode(Data, 0, SeedMaterial.SshKexInit())]);

        foreach (var flow in material.RealFlows.Where(f => !f.Udp && f.Segments.Count > 0))
        {
            yield return ($"real-{flow.Name}", FromSegments(flow.Segments));
        }
    }

    /// <summary>Encodes recorded segments as chunks: deltas relative to each direction's next sequence number.</summary>
    private static byte[] FromSegments(List<Segment> segments)
    {
        var ms = new MemoryStream();
        ms.WriteByte(2);
        uint? clientNext = null, serverNext = null;
        // The harness starts each direction at its fixed ISN; real sequence numbers are made relative to the first one seen.
        uint clientShift = 0, serverShift = 0;
        foreach (var s in segments.Take(32))
        {
            ref uint? next = ref s.FromClient ? ref clientNext : ref serverNext;
            ref uint shift = ref s.FromClient ? ref clientShift : ref serverShift;
            if (next is null)
            {
                shift = s.Sequence - (s.FromClient ? ClientIsn : ServerIsn);
                next = s.FromClient ? ClientIsn : ServerIsn;
            }

            uint seq = s.Sequence - shift;
            int delta = (int)(seq - next.Value);
            byte h = (byte)((s.FromClient ? 0 : Server) | ((s.Flags & TcpFlags.Syn) != 0 ? Syn : 0) | ((s.Flags & TcpFlags.Fin) != 0 ? Fin : 0) |
                            ((s.Flags & TcpFlags.Rst) != 0 ? Rst : 0) | ((s.Flags & TcpFlags.Ack) != 0 ? Ack : 0));
            ms.Write(Encode(h, (short)Math.Clamp(delta, short.MinValue, short.MaxValue), s.Payload));
            uint end = seq + (uint)s.Payload.Length + ((s.Flags & (TcpFlags.Syn | TcpFlags.Fin)) != 0 ? 1u : 0u);
            if ((int)(end - next.Value) > 0)
            {
                next = end;
            }
        }

        return ms.ToArray();
    }
}
