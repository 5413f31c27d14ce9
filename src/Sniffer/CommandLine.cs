using System.Globalization;
using Sniffer.Capture;
using Sniffer.Output;
using Sniffer.Pipeline;

namespace Sniffer.Cli;

/// <summary>A usage error: one line on stderr, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The parsed command line.</summary>
internal sealed class CommandLine
{
    public string? ReadPath;
    public string? Interface;
    public string? WritePath;
    public string? Filter;
    public string? User;
    public bool ListInterfaces;
    public bool Help;
    public bool Version;
    public bool Quiet;
    public bool Promiscuous = true;
    public int SnapLength = LiveCaptureOptions.DefaultSnapLength;
    public int? BufferSize;
    /// <summary>--summary-only: no NDJSON, only the end-of-run table on stderr.</summary>
    public bool SummaryOnly;
    public SnifferOptions Options = new();
    public DeliveryArguments Delivery = new();

    public const string HelpText = """
        sniffer — find out what is really speaking on TCP/UDP port 3624 ("dist-upgrade", a service that never shipped).
        Captures traffic, decodes it, identifies the application protocol from the payload alone, writes NDJSON (ECS).

        Usage:
          sniffer -r FILE|-  [options]       read a pcap/pcapng capture (- = standard input)
          sniffer -i IFACE   [options]       capture live through libpcap (root or CAP_NET_RAW)
          sniffer --list-interfaces          list capture interfaces

        Incident response:   ssh host 'tcpdump -U -w - port 3624' | sniffer -r - --summary-only
        Span port sensor:    sniffer -i eth1 -w /var/log/sniffer/flows.ndjson --stats 60
        SIEM feed:           sniffer -i eth1 -w /var/log/sniffer/flows.ndjson   (Filebeat/Vector tail the file)
                             sniffer -i eth1 --syslog tcp://siem.example:514 --sensor-name dmz-1   (docs/ingest.md)

        Input:
          -r, --read FILE|-    read a pcap/pcapng capture (- = standard input)
          -i, --interface IFACE  capture live on IFACE

        What is analysed:
          --port N             watch port N (repeatable, or a comma list N,M; replaces the default 3624)
          --any-port           analyse all TCP/UDP traffic
          --filter EXPR        libpcap filter expression (live: kernel filter; files: run through libpcap offline);
                               the watched-port rule still applies (add --any-port to analyse all it passes)

        Output:
          -w, --write FILE     write NDJSON to FILE (mode 0640) instead of standard output
          --records LIST       record kinds: flow_end,protocol_detected,port_summary,stats (default: all)
          --summary-interval S live capture: write port_summary records every S seconds (default 300; 0 = at exit only)
          --stats N            live capture: a stats record (event.kind metric: packets, drops, flows) every N
                               seconds and one at exit; files: one at the end (packet time)
          --summary-only       no NDJSON at all: only the end-of-run table of what is on each port (stderr)
          -q, --quiet          nothing on stderr but errors: no progress line, no summary table, no statistics

        Operator's console (stderr):
          While a file is read with stderr on a terminal (and records not going to that terminal), a progress
          line shows the share done, packets/s, flows and elapsed time. At the end, a table per watched port:
          protocols, flows, bytes, top servers and products, and what the unknown flows look like; then one
          statistics line (packets, flows, records, drops, libpcap counters).

        Delivery to a SIEM (docs/ingest.md):
          --rotate-size SIZE   with -w: start a new FILE before a record would make it larger than SIZE
                               (bytes; suffix k, M, G; at least 1k); FILE → FILE.1 → FILE.2 …, like logrotate
          --rotate-interval T  with -w: start a new FILE at the first record T after it was opened (90, 15m, 1h, 1d)
          --rotate-keep N      rotated files kept, FILE.1 (newest) … FILE.N (default 5); rotation is only ever
                               between records: every file ends with a complete line
          --syslog URL         send each record to a syslog receiver as RFC 5424 (MSG = the JSON record, MSGID = its
                               kind): tcp://HOST:PORT (octet-counting framing) or udp://HOST:PORT; IPv6 as [::1].
                               Replaces standard output (add -w FILE or -w - to keep one). Never blocks capture:
                               records wait in a queue while the receiver is away (reconnect with back-off)
          --syslog-facility F  facility name or number (default local0); severity is always info
          --syslog-max-size B  longest message sent, header included (default 8096, rsyslog's default limit);
                               longer records are dropped and counted, never cut (UDP: at most 65507)
          --syslog-queue SIZE  records held while the receiver is away (default 64M); beyond: dropped and counted
                               (live); reading a capture (-r), sniffer reads slower instead
          --sensor-name NAME   observer.name in every record (live capture also writes observer.hostname and
                               observer.ingress.interface.name; capture files only observer.name)

        Flows and identification:
          --tcp-timeout S      idle timeout of TCP flows that carried payload, in seconds (default 3600)
          --tcp-new-timeout S  idle timeout of TCP flows without payload yet: handshakes, scans, floods (default 60)
          --udp-timeout S      idle timeout of UDP flows in seconds (default 60)
          --max-flows N        flow table cap per worker; the oldest idle flow is evicted (default 400000)
          --inspect-bytes N    bytes per direction inspected to identify a flow (default 8192)
          --inspect-packets N  payload packets inspected per flow (default 32)
          --workers N          identification worker threads, flows sharded by hash (default: 1 for files;
                               live: CPU cores - 2, 1 to 8)
          --reassembly-memcap MB  bytes buffered for inspection per worker (default 256)
          --fragment-memcap MB    bytes held for IP fragment reassembly per worker (default 32)

        Live capture:
          --buffer-size BYTES  kernel capture buffer (default: libpcap's 2 MiB)
          --snaplen N          bytes captured per packet (default 65535)
          --no-promisc         do not put the interface into promiscuous mode
          --user NAME          after opening the capture, drop root for good and run as NAME (and its groups);
                               the -w file is then opened as NAME

        Process attribution (which local process is behind a flow, from /proc):
          --process            name the local processes: process.* (server side), sniffer.client.process.*
                               (client side), sniffer.process_lookup; on by default with -i, off with -r (use it
                               with -r only for a capture made on this host now: tcpdump -U -w - | sniffer -r -)
          --no-process         do not (no /proc reads, no attribution thread)
                               Needs root, or CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, to see other users'
                               processes (with --user, only that user's); otherwise process_lookup says "denied"

          -h, --help           this help
          --version            print the version

        Exit status: 0 success (also when the output pipe was closed), 1 input/runtime error, 2 usage error.
        """;

    public static CommandLine Parse(string[] args, Func<string, string?>? environment = null)
    {
        args = EnvironmentOptions.Merge(args, HelpText, environment ?? Environment.GetEnvironmentVariable, out int fromEnvironment);
        var cl = new CommandLine();
        var ports = new List<ushort>();
        var o = new SnifferOptions();
        int? summaryInterval = null;
        int? statsInterval = null;
        bool recordsGiven = false;
        bool? processAttribution = null;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            UsageException Bad(string message) => new(i < fromEnvironment ? $"{message} (set by {EnvironmentOptions.Variable(a)})" : message);
            string Value()
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"{a} needs a value");
                }

                return args[++i];
            }

            int IntValue(int min, int max)
            {
                string v = Value();
                if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
                {
                    throw Bad($"{a}: \"{v}\" is not a number from {min} to {max}");
                }

                return n;
            }

            switch (a)
            {
                case "-r":
                case "--read":
                    cl.ReadPath = Value();
                    break;
                case "-i":
                case "--interface":
                    cl.Interface = Value();
                    break;
                case "-w":
                case "--write":
                    cl.WritePath = Value();
                    break;
                case string delivery when DeliveryArguments.IsFlag(delivery):
                    cl.Delivery.Parse(delivery, Value());
                    break;
                case "--filter":
                    cl.Filter = Value();
                    break;
                case "--port":
                    {
                        string v = Value();
                        ports.AddRange(PortList(v) ?? throw Bad($"{a}: \"{v}\" is not a port from 1 to 65535 or a comma list of them"));
                        break;
                    }

                case "--any-port":
                    o = o with { AnyPort = true };
                    break;
                case "--records":
                    {
                        string v = Value();
                        if (!RecordKindNames.TryParse(v, out var kinds))
                        {
                            throw Bad($"--records: \"{v}\" is not a list of flow_end, protocol_detected, port_summary, stats, all");
                        }

                        o = o with { Records = kinds };
                        recordsGiven = true;
                        break;
                    }

                case "--summary-interval":
                    summaryInterval = IntValue(0, 86400);
                    break;
                case "--stats":
                    statsInterval = IntValue(1, 86400);
                    break;
                case "--summary-only":
                    cl.SummaryOnly = true;
                    break;
                case "--tcp-timeout":
                    o = o with { TcpTimeoutSeconds = IntValue(1, 86400 * 7) };
                    break;
                case "--tcp-new-timeout":
                    o = o with { TcpNewTimeoutSeconds = IntValue(1, 86400 * 7) };
                    break;
                case "--udp-timeout":
                    o = o with { UdpTimeoutSeconds = IntValue(1, 86400 * 7) };
                    break;
                case "--max-flows":
                    o = o with { MaxFlows = IntValue(1, 100_000_000) };
                    break;
                case "--workers":
                    o = o with { Workers = IntValue(1, 256) };
                    break;
                case "--inspect-bytes":
                    o = o with { Inspection = o.Inspection with { MaxBytesPerDirection = IntValue(16, 1 << 20) } };
                    break;
                case "--inspect-packets":
                    o = o with { Inspection = o.Inspection with { MaxPackets = IntValue(1, 10_000) } };
                    break;
                case "--reassembly-memcap":
                    o = o with { ReassemblyMemcapBytes = IntValue(1, 1 << 20) * 1024L * 1024 };
                    break;
                case "--fragment-memcap":
                    o = o with { FragmentMemcapBytes = IntValue(1, 1 << 20) * 1024L * 1024 };
                    break;
                case "--buffer-size":
                    cl.BufferSize = IntValue(65536, int.MaxValue);
                    break;
                case "--snaplen":
                    cl.SnapLength = IntValue(64, CaptureFileReader.MaxRecordLength);
                    break;
                case "--user":
                    cl.User = Value();
                    break;
                case "--process":
                    processAttribution = true;
                    break;
                case "--no-process":
                    processAttribution = false;
                    break;
                case "--no-promisc":
                    cl.Promiscuous = false;
                    break;
                case "--list-interfaces":
                    cl.ListInterfaces = true;
                    break;
                case "-q":
                case "--quiet":
                    cl.Quiet = true;
                    break;
                case "-h":
                case "--help":
                    cl.Help = true;
                    break;
                case "--version":
                    cl.Version = true;
                    break;
                default:
                    throw new UsageException(a.StartsWith('-') ? $"unknown option {a} (see --help)" : $"unexpected argument \"{a}\" (see --help)");
            }
        }

        if (ports.Count > 0)
        {
            o = o with { Ports = ports };
        }

        if (cl.Interface is not null || summaryInterval is not null)
        {
            o = o with { PortSummaryIntervalSeconds = summaryInterval ?? 300 };
        }

        o = o with { StatsIntervalSeconds = statsInterval ?? 0, CollectPortSummary = !cl.Quiet };
        if (cl.SummaryOnly)
        {
            o = o with { Records = RecordKinds.None };
        }

        o = o with { ProcessAttribution = processAttribution ?? cl.Interface is not null };
        cl.Options = o;
        if (cl.Help || cl.Version || cl.ListInterfaces)
        {
            return cl;
        }

        if (cl.ReadPath is null && cl.Interface is null)
        {
            throw new UsageException("nothing to read: give -r FILE or -i INTERFACE (see --help)");
        }

        if (cl.ReadPath is not null && cl.Interface is not null)
        {
            throw new UsageException("-r and -i cannot be used together");
        }

        if (cl.SummaryOnly && (recordsGiven || statsInterval is not null || cl.WritePath is not null || cl.Quiet))
        {
            throw new UsageException("--summary-only writes no records and prints its table on stderr: it cannot go with --records, --stats, -w or -q");
        }

        if (cl.Filter is { Length: 0 })
        {
            throw new UsageException("--filter needs a non-empty expression");
        }

        cl.Options = cl.Delivery.Apply(cl, cl.Options);
        return cl;
    }

    /// <summary>"3624" or "3624,443": each a port from 1 to 65535; null when not.</summary>
    private static List<ushort>? PortList(string value)
    {
        var ports = new List<ushort>();
        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
            {
                return null;
            }

            ports.Add(port);
        }

        return ports;
    }

    /// <summary>Tunnel carriers whose inner packets may be on a watched port: VXLAN, Geneve, Teredo, GRE/ERSPAN, IP-in-IP, 6in4.</summary>
    private const string TunnelCarriers =
        "udp port 4789 or udp port 6081 or udp port 3544 or ip proto 47 or ip proto 4 or ip proto 41 or ip6 proto 47 or ip6 proto 4 or ip6 proto 41";

    /// <summary>
    /// The kernel filter for live capture: the watched ports plus tunnel carriers (the port rule is applied to the
    /// innermost headers in our code), also inside 802.1Q frames — a bare "port N" silently misses VLAN-tagged
    /// traffic. The "vlan" term comes last because libpcap shifts the offsets of every term after it.
    /// </summary>
    /// <param name="ethernet">false for interfaces without Ethernet framing (<c>-i any</c>): no vlan term there.</param>
    public string LiveFilter(bool ethernet = true)
    {
        string watched;
        if (Options.AnyPort)
        {
            watched = "tcp or udp or " + TunnelCarriers;
        }
        else
        {
            string ports = string.Join(" or ", Options.Ports.Distinct().Select(p => $"port {p.ToString(CultureInfo.InvariantCulture)}"));
            watched = $"((tcp or udp) and ({ports})) or {TunnelCarriers}";
        }

        string all = ethernet ? $"({watched}) or (vlan and ({watched}))" : watched;
        return Filter is null ? all : $"({Filter}) and ({all})";
    }
}
