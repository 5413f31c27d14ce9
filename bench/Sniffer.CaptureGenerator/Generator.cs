using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace Sniffer.CaptureGenerator;

/// <summary>
/// Plans flows one at a time in start order (Poisson arrivals at --flow-rate), keeps the ones in progress in a
/// priority queue by next packet time, and writes their packets interleaved in time order. Each flow draws from
/// its own PRNG stream (seed, flow index), so its bytes do not depend on the other flows; the only shared draws
/// (arrival times, protocol assignment, 5-tuple uniqueness) happen in a fixed order. Same options → same bytes.
/// </summary>
internal sealed class Generator(Options options)
{
    /// <summary>2025-01-01T00:00:00Z: a fixed capture start (never the wall clock).</summary>
    private const long StartUs = 1_735_689_600_000_000;

    private static readonly ushort[] Vlans = [10, 20, 30, 100, 101, 200, 300, 1001, 2001, 4000];

    private readonly HashSet<(UInt128 Ip, ushort Port, int Server, bool Tcp, ushort Vlan)> _used = [];
    private readonly long[] _kindCounts = new long[Enum.GetValues<FlowKind>().Length];
    private byte[][] _servers4 = [];
    private byte[][] _servers6 = [];
    private long _tcpFlows, _v6Flows, _vlanFlows;

    public long Packets { get; private set; }

    public long Bytes { get; private set; }

    public void Run()
    {
        var master = new Rng(options.Seed);
        var kinds = AssignKinds(master);
        _servers4 = Enumerable.Range(0, 96).Select(i => new byte[] { 172, 16, (byte)(i / 32), (byte)(10 + (master.Next(0, 240))) }).ToArray();
        _servers6 = Enumerable.Range(0, 32).Select(_ => (byte[])[0x20, 0x01, 0x0d, 0xb8, 0x05, 0x00, 0, 0, .. master.Bytes(8)]).ToArray();

        using var pcap = new PcapWriter(options.Out);
        using var labels = new StreamWriter(options.Out + ".labels.tsv", append: false, new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        var queue = new PriorityQueue<Flow, (long Time, int Index)>();
        var frame = new byte[FrameWriter.MaxFrame];
        double meanGapUs = 1_000_000.0 / options.FlowRate;
        long nextStart = StartUs;
        int next = 0;
        while (next < options.Flows || queue.Count > 0)
        {
            if (next < options.Flows && (!queue.TryPeek(out _, out var head) || nextStart <= head.Time))
            {
                var flow = Plan(next, kinds[next], nextStart);
                labels.WriteLine(Label(flow));
                if (flow.Packets.Count > 0)
                {
                    queue.Enqueue(flow, (flow.Packets[0].TimeUs, flow.Index));
                }

                next++;
                nextStart += 1 + (long)(-Math.Log(1 - master.NextDouble()) * meanGapUs);
                continue;
            }

            var f = queue.Dequeue();
            ref var p = ref CollectionsMarshal.AsSpan(f.Packets)[f.Cursor];
            int n = FrameWriter.Write(frame, f, ref p);
            pcap.Write(p.TimeUs, frame.AsSpan(0, n));
            p.Data = null;
            f.Cursor++;
            if (f.Cursor < f.Packets.Count)
            {
                queue.Enqueue(f, (f.Packets[f.Cursor].TimeUs, f.Index));
            }
        }

        Packets = pcap.Packets;
        Bytes = pcap.Bytes;
        WriteInfo();
    }

    /// <summary>Exactly round(weight share × flows) flows of each kind, in a seeded shuffled order.</summary>
    private FlowKind[] AssignKinds(Rng master)
    {
        var mix = options.Mix;
        double total = mix.Sum();
        var kinds = new FlowKind[options.Flows];
        int filled = 0;
        var remainders = new List<(double Remainder, int Kind)>();
        for (int k = 0; k < mix.Length; k++)
        {
            double exact = options.Flows * mix[k] / total;
            int count = (int)Math.Floor(exact);
            remainders.Add((exact - count, k));
            for (int i = 0; i < count; i++)
            {
                kinds[filled++] = (FlowKind)k;
            }
        }

        foreach (var (_, k) in remainders.OrderByDescending(x => x.Remainder).ThenBy(x => x.Kind))
        {
            if (filled == kinds.Length)
            {
                break;
            }

            kinds[filled++] = (FlowKind)k;
        }

        for (int i = kinds.Length - 1; i > 0; i--)
        {
            int j = master.Next(i + 1);
            (kinds[i], kinds[j]) = (kinds[j], kinds[i]);
        }

        return kinds;
    }

    private Flow Plan(int index, FlowKind kind, long startUs)
    {
        var r = Rng.ForStream(options.Seed, (ulong)index + 1);
        bool v6 = r.Chance(options.Ipv6Share);
        ushort vlan = r.Chance(options.VlanShare) ? r.Pick(Vlans) : (ushort)0;
        bool tcp = kind switch { FlowKind.Dns => false, FlowKind.Random => r.Chance(0.75), _ => true };
        int serverIndex = r.Next(v6 ? _servers6.Length : _servers4.Length);
        byte[] serverIp = v6 ? _servers6[serverIndex] : _servers4[serverIndex];
        byte[] clientIp;
        ushort clientPort;
        do
        {
            clientIp = v6
                ? [0x20, 0x01, 0x0d, 0xb8, (byte)(0xc0 | r.Next(16)), .. r.Bytes(11)]
                : [10, (byte)r.Next(1, 64), (byte)r.Next(256), (byte)r.Next(1, 255)];
            clientPort = (ushort)r.Next(32768, 61000);
        }
        while (!_used.Add((AddressKey(clientIp), clientPort, (v6 ? 1000 : 0) + serverIndex, tcp, vlan)));

        int hops = r.Next(0, 14);
        var flow = new Flow
        {
            Index = index,
            Kind = kind,
            Tcp = tcp,
            V6 = v6,
            Vlan = vlan,
            ClientIp = clientIp,
            ServerIp = serverIp,
            ClientPort = clientPort,
            ServerPort = options.Port,
            ClientMac = [0x02, .. r.Bytes(5)],
            ServerMac = [0x00, 0x1b, 0x21, (byte)(v6 ? 0x60 : 0x40), (byte)(serverIndex >> 8), (byte)serverIndex],
            ClientTtl = (byte)((r.Chance(0.2) ? 128 : 64) - hops),
            ServerTtl = (byte)(r.Chance(0.1) ? 255 : 64),
            ClientFlowLabel = r.NextU32() & 0xFFFFF,
            ServerFlowLabel = r.NextU32() & 0xFFFFF,
            ClientWindow = (ushort)r.Next(200, 3000),
            ServerWindow = (ushort)r.Next(200, 3000),
            ClientIpId = (ushort)r.Next(65536),
            ServerIpId = (ushort)r.Next(65536),
        };

        if (tcp)
        {
            var sizes = new int[options.BulkSegments];
            for (int i = 0; i < sizes.Length; i++)
            {
                sizes[i] = Math.Clamp(options.BulkSize + r.Next(-48, 49), 1, flow.Mss);
            }

            int bulk = sizes.Sum();
            var conversation = kind switch
            {
                FlowKind.Tls => Tls.Build(r, v13: r.Chance(0.5), bulk),
                FlowKind.Http => Http.Build(r, bulk, startUs, options.Port),
                FlowKind.Ssh => Ssh.Build(r, bulk),
                FlowKind.Redis => Redis.Build(r, bulk, options.Port),
                _ => RandomFlow.Tcp(r, bulk),
            };
            if (conversation.Bulk.Length != bulk)
            {
                throw new InvalidOperationException($"flow {index} ({kind}): bulk content is {conversation.Bulk.Length} bytes, segments carry {bulk}");
            }

            var b = new TcpFlowBuilder(flow, r, startUs);
            b.Handshake();
            foreach (var (fromClient, data) in conversation.Messages)
            {
                b.Send(fromClient, data);
            }

            b.Bulk(conversation.BulkFromClient, conversation.Bulk, sizes);
            b.Close(conversation.ClientClosesFirst);
            _tcpFlows++;
        }
        else
        {
            var u = new UdpFlowBuilder(flow, r, startUs);
            foreach (var (fromClient, data) in kind == FlowKind.Dns ? Dns.Build(r) : RandomFlow.Udp(r))
            {
                u.Send(fromClient, data);
            }
        }

        _kindCounts[(int)kind]++;
        _v6Flows += v6 ? 1 : 0;
        _vlanFlows += vlan != 0 ? 1 : 0;
        return flow;
    }

    private static UInt128 AddressKey(byte[] ip) =>
        ip.Length == 16 ? new UInt128(BitConverter.ToUInt64(ip, 0), BitConverter.ToUInt64(ip, 8)) : BitConverter.ToUInt32(ip);

    private static string Label(Flow f) => string.Create(CultureInfo.InvariantCulture,
        $"{Endpoint(f.ClientIp, f.ClientPort)}\t{Endpoint(f.ServerIp, f.ServerPort)}\t{(f.Tcp ? "tcp" : "udp")}\t{f.Label}\t{f.Vlan}");

    private static string Endpoint(byte[] ip, ushort port) =>
        ip.Length == 16 ? $"[{new IPAddress(ip)}]:{port}" : $"{new IPAddress(ip)}:{port}";

    private void WriteInfo()
    {
        using var w = new StreamWriter(options.Out + ".info", append: false) { NewLine = "\n" };
        w.WriteLine("generator=sniffer-capgen 1");
        w.WriteLine($"params={options.Canonical()}");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flows={options.Flows}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"packets={Packets}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bytes={Bytes}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"tcp_flows={_tcpFlows}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"udp_flows={options.Flows - _tcpFlows}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ipv6_flows={_v6Flows}"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"vlan_flows={_vlanFlows}"));
        foreach (var k in Enum.GetValues<FlowKind>())
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kind.{k.ToString().ToLowerInvariant()}={_kindCounts[(int)k]}"));
        }
    }
}
