using System.Globalization;

namespace Sniffer.CaptureGenerator;

/// <summary>The protocols a flow can carry, with the label the sniffer is expected to report.</summary>
internal enum FlowKind
{
    Tls,
    Http,
    Ssh,
    Redis,
    Dns,
    Random,
}

internal sealed class UsageException(string message) : Exception(message);

internal sealed class Options
{
    public const string Usage =
        """
        usage: sniffer-capgen --flows N --out FILE [options]

        Writes a deterministic classic pcap (Ethernet, microsecond timestamps) of N TCP/UDP flows on port 3624 and
        FILE.labels.tsv (one line per flow: client ip:port, server ip:port, transport, expected protocol, vlan).
        Same parameters give a byte-identical file.

          --flows N              number of flows (required)
          --out FILE             output pcap (required)
          --seed S               PRNG seed (default 1)
          --ipv6-share F         fraction of flows over IPv6 (default 0.1)
          --vlan-share F         fraction of flows with an 802.1Q tag (default 0.1)
          --mix LIST             protocol weights (default tls=30,http=20,ssh=15,redis=10,dns=12,random=13)
          --bulk-segments N      bulk data segments per TCP flow after the protocol exchange (default 16)
          --bulk-size B          mean payload bytes of a bulk segment, at most 1448 (default 1400)
          --flow-rate R          new flows per second of capture time (default 2000)
          --port P               server port (default 3624)
        """;

    public int Flows { get; private set; } = -1;
    public string Out { get; private set; } = "";
    public ulong Seed { get; private set; } = 1;
    public double Ipv6Share { get; private set; } = 0.1;
    public double VlanShare { get; private set; } = 0.1;
    public int BulkSegments { get; private set; } = 16;
    public int BulkSize { get; private set; } = 1400;
    public double FlowRate { get; private set; } = 2000;
    public ushort Port { get; private set; } = 3624;

    /// <summary>Weight of each <see cref="FlowKind"/>, indexed by its value.</summary>
    public double[] Mix { get; private set; } = ParseMix("tls=30,http=20,ssh=15,redis=10,dns=12,random=13");

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{a} needs a value");
            switch (a)
            {
                case "--flows": o.Flows = Int(a, Value(), 1, 100_000_000); break;
                case "--out": o.Out = Value(); break;
                case "--seed": o.Seed = ulong.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong s) ? s : throw new UsageException("--seed: not a number"); break;
                case "--ipv6-share": o.Ipv6Share = Share(a, Value()); break;
                case "--vlan-share": o.VlanShare = Share(a, Value()); break;
                case "--mix": o.Mix = ParseMix(Value()); break;
                case "--bulk-segments": o.BulkSegments = Int(a, Value(), 0, 10_000); break;
                case "--bulk-size": o.BulkSize = Int(a, Value(), 100, TcpFlowBuilder.Mss); break;
                case "--flow-rate": o.FlowRate = Double(a, Value(), 1, 10_000_000); break;
                case "--port": o.Port = (ushort)Int(a, Value(), 1, 65535); break;
                case "-h" or "--help": throw new UsageException("");
                default: throw new UsageException($"unknown option {a}");
            }
        }

        if (o.Flows < 0 || o.Out.Length == 0)
        {
            throw new UsageException("--flows and --out are required");
        }

        return o;
    }

    private static int Int(string name, string v, int min, int max) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n
            : throw new UsageException($"{name}: expected an integer in [{min}, {max}]");

    private static double Double(string name, string v, double min, double max) =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d >= min && d <= max
            ? d
            : throw new UsageException($"{name}: expected a number in [{min}, {max}]");

    private static double Share(string name, string v) => Double(name, v, 0, 1);

    private static double[] ParseMix(string text)
    {
        var weights = new double[Enum.GetValues<FlowKind>().Length];
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] kv = part.Split('=');
            if (kv.Length != 2 || !Enum.TryParse<FlowKind>(kv[0], ignoreCase: true, out var kind) ||
                !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double w) || w < 0)
            {
                throw new UsageException($"--mix: bad entry \"{part}\" (want tls|http|ssh|redis|dns|random=WEIGHT)");
            }

            weights[(int)kind] = w;
        }

        if (weights.Sum() <= 0)
        {
            throw new UsageException("--mix: all weights are zero");
        }

        return weights;
    }

    /// <summary>The canonical form of every parameter that changes the output (for the .info file).</summary>
    public string Canonical() => string.Create(CultureInfo.InvariantCulture,
        $"flows={Flows} seed={Seed} ipv6-share={Ipv6Share} vlan-share={VlanShare} mix={string.Join(',', Enum.GetValues<FlowKind>().Select(k => $"{k.ToString().ToLowerInvariant()}={Mix[(int)k]}"))} bulk-segments={BulkSegments} bulk-size={BulkSize} flow-rate={FlowRate} port={Port}");
}
