using System.Text.Json;
using Sniffer.Flows;
using Sniffer.Fingerprinting;

namespace Sniffer.Output;

/// <summary>
/// The answer to "what is really on port 3624?": per watched server port, which protocols were seen, how many
/// flows each, which servers, which products and which fingerprints. Fed by every worker when a flow ends
/// (thread-safe, bounded), written as <c>port_summary</c> records at the end of a run and periodically live.
/// </summary>
public sealed class PortSummary
{
    /// <summary>Server ports tracked (with --any-port many ports may appear).</summary>
    public const int MaxPorts = 1024;
    /// <summary>Distinct servers, products and fingerprints listed per protocol.</summary>
    public const int MaxListed = 16;

    private readonly Lock _lock = new();
    private readonly SortedDictionary<ushort, PortEntry> _ports = [];
    private readonly Func<ushort, bool> _include;

    public PortSummary(Func<ushort, bool> include) => _include = include;

    /// <summary>The sensor's <c>observer</c> object, copied into every record; null: none.</summary>
    public Delivery.ObserverFields? Observer { get; set; }

    private sealed class PortEntry
    {
        public long Flows;
        public long FirstNs = long.MaxValue;
        public long LastNs = long.MinValue;
        public readonly SortedDictionary<string, ProtocolEntry> Protocols = new(StringComparer.Ordinal);
    }

    private sealed class ProtocolEntry
    {
        public long Flows;
        public long Bytes;
        public readonly HashSet<(Decoding.IpAddr Ip, ushort Port)> Servers = [];
        public readonly SortedDictionary<string, long> Products = new(StringComparer.Ordinal);
        public readonly SortedDictionary<string, long> Fingerprints = new(StringComparer.Ordinal);
        public readonly SortedDictionary<string, long> UnknownShapes = new(StringComparer.Ordinal);
        /// <summary>The first unknown flow of each listed shape, for the console's description of it.</summary>
        public readonly Dictionary<string, UnknownProfile> UnknownExamples = new(StringComparer.Ordinal);
        /// <summary>Shape hash → its listed label, so a flow of an already listed shape costs no string.</summary>
        public readonly Dictionary<ulong, string> UnknownLabels = [];
        public long Omitted;
    }

    /// <summary>Counts one finished flow.</summary>
    public void Add(Flow flow, string protocol)
    {
        if (!_include(flow.ServerPort))
        {
            return;
        }

        var server = (flow.ServerIp, flow.ServerPort);
        var meta = flow.Metadata;
        string? product = meta?.ApplicationName is null ? null : meta.ApplicationVersion is null ? meta.ApplicationName : $"{meta.ApplicationName} {meta.ApplicationVersion}";
        List<string>? fingerprints = null;
        if (meta is not null)
        {
            fingerprints = [];
            meta.CollectFingerprints(fingerprints);
            meta.Inner?.Metadata?.CollectFingerprints(fingerprints);
        }

        lock (_lock)
        {
            if (!_ports.TryGetValue(flow.ServerPort, out var port))
            {
                if (_ports.Count >= MaxPorts)
                {
                    return;
                }

                port = new PortEntry();
                _ports.Add(flow.ServerPort, port);
            }

            port.Flows++;
            port.FirstNs = Math.Min(port.FirstNs, flow.FirstNs);
            port.LastNs = Math.Max(port.LastNs, flow.LastNs);
            if (!port.Protocols.TryGetValue(protocol, out var p))
            {
                p = new ProtocolEntry();
                port.Protocols.Add(protocol, p);
            }

            p.Flows++;
            p.Bytes += flow.TotalBytes;
            AddBounded(p.Servers, server, ref p.Omitted);
            if (product is not null)
            {
                Count(p.Products, product, ref p.Omitted);
            }

            if (fingerprints is not null)
            {
                foreach (var f in fingerprints)
                {
                    Count(p.Fingerprints, f, ref p.Omitted);
                }
            }

            if (flow.Unknown is { } unknown)
            {
                if (!p.UnknownLabels.TryGetValue(unknown.ShapeHashValue, out var label) && p.UnknownLabels.Count < MaxListed)
                {
                    label = $"{unknown.Shape} ({unknown.ShapeHash})";
                    p.UnknownLabels.Add(unknown.ShapeHashValue, label);
                }

                if (label is null)
                {
                    p.Omitted++;
                }
                else
                {
                    Count(p.UnknownShapes, label, ref p.Omitted);
                    if (p.UnknownShapes.ContainsKey(label) && !p.UnknownExamples.ContainsKey(label))
                    {
                        // Profiles are pooled and reused after the record: keep a copy.
                        p.UnknownExamples.Add(label, unknown.Snapshot());
                    }
                }
            }
        }
    }

    private static void AddBounded(HashSet<(Decoding.IpAddr Ip, ushort Port)> set, (Decoding.IpAddr Ip, ushort Port) value, ref long omitted)
    {
        if (!set.Contains(value))
        {
            if (set.Count >= MaxListed)
            {
                omitted++;
                return;
            }

            set.Add(value);
        }
    }

    private static void Count(SortedDictionary<string, long> counts, string key, ref long omitted)
    {
        if (counts.TryGetValue(key, out long n))
        {
            counts[key] = n + 1;
        }
        else if (counts.Count < MaxListed)
        {
            counts[key] = 1;
        }
        else
        {
            omitted++;
        }
    }

    /// <summary>Writes one <c>port_summary</c> record per port seen; returns how many.</summary>
    public int Write(Utf8JsonWriter w, System.Buffers.IBufferWriter<byte> output, long nowNs, bool final)
    {
        Span<byte> ts = stackalloc byte[Rfc3339.Length];
        int written = 0;
        lock (_lock)
        {
            foreach (var (portNumber, port) in _ports)
            {
                w.Reset(output);
                StatsRecord.WriteInfoHeader(w, final ? port.LastNs : nowNs, "event"u8, "port_summary"u8, "sniffer.port_summary"u8, ts);
                Rfc3339.Format(port.FirstNs, ts);
                w.WriteString("start"u8, ts);
                Rfc3339.Format(port.LastNs, ts);
                w.WriteString("end"u8, ts);
                w.WriteEndObject();
                w.WriteStartObject("destination"u8);
                w.WriteNumber("port"u8, portNumber);
                w.WriteEndObject();
                Observer?.Write(w);
                w.WriteStartObject("sniffer"u8);
                if (PortRegistry.IanaServiceName(portNumber) is { } registered)
                {
                    w.WriteString("port_registration"u8, registered);
                }

                w.WriteBoolean("final"u8, final);
                w.WriteNumber("flows"u8, port.Flows);
                w.WriteStartArray("protocols"u8);
                foreach (var (name, p) in port.Protocols.OrderByDescending(kv => kv.Value.Flows).ThenBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteString("name"u8, name);
                    w.WriteNumber("flows"u8, p.Flows);
                    w.WriteNumber("bytes"u8, p.Bytes);
                    WriteServers(w, "servers"u8, p.Servers);
                    WriteCounts(w, "products"u8, p.Products);
                    WriteCounts(w, "fingerprints"u8, p.Fingerprints);
                    WriteCounts(w, "unknown_shapes"u8, p.UnknownShapes);
                    if (p.Omitted > 0)
                    {
                        w.WriteNumber("omitted"u8, p.Omitted);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
                w.Flush();
                var nl = output.GetSpan(1);
                nl[0] = (byte)'\n';
                output.Advance(1);
                written++;
            }
        }

        return written;
    }

    /// <summary>
    /// The same data as the records, for the console's end-of-run table: ports in order, protocols with the most
    /// flows first, lists with the most flows first.
    /// </summary>
    public IReadOnlyList<PortView> Snapshot()
    {
        var ports = new List<PortView>();
        lock (_lock)
        {
            foreach (var (portNumber, port) in _ports)
            {
                var protocols = new List<ProtocolView>();
                foreach (var (name, p) in port.Protocols.OrderByDescending(kv => kv.Value.Flows).ThenBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    protocols.Add(new ProtocolView(
                        name,
                        p.Flows,
                        p.Bytes,
                        [.. p.Servers.OrderBy(s => s.Ip).ThenBy(s => s.Port).Select(s => s.Ip.IsV6 ? $"[{s.Ip}]:{s.Port}" : $"{s.Ip}:{s.Port}")],
                        Ranked(p.Products),
                        Ranked(p.Fingerprints),
                        [.. Ranked(p.UnknownShapes).Select(kv => new UnknownShapeView(kv.Value, kv.Flows, p.UnknownExamples.GetValueOrDefault(kv.Value)))],
                        p.Omitted));
                }

                ports.Add(new PortView(portNumber, PortRegistry.IanaServiceName(portNumber), port.Flows, port.FirstNs, port.LastNs, protocols));
            }
        }

        return ports;
    }

    private static List<CountView> Ranked(SortedDictionary<string, long> counts) =>
        [.. counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new CountView(kv.Key, kv.Value))];

    private static void WriteServers(Utf8JsonWriter w, ReadOnlySpan<byte> name, HashSet<(Decoding.IpAddr Ip, ushort Port)> servers)
    {
        if (servers.Count == 0)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var (ip, port) in servers.OrderBy(s => s.Ip).ThenBy(s => s.Port))
        {
            w.WriteStringValue(ip.IsV6 ? $"[{ip}]:{port}" : $"{ip}:{port}");
        }

        w.WriteEndArray();
    }

    private static void WriteCounts(Utf8JsonWriter w, ReadOnlySpan<byte> name, SortedDictionary<string, long> counts)
    {
        if (counts.Count == 0)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var (value, n) in counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("value"u8, value);
            w.WriteNumber("flows"u8, n);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}

/// <summary>One watched server port in <see cref="PortSummary.Snapshot"/>.</summary>
public sealed record PortView(ushort Port, string? Registration, long Flows, long FirstNs, long LastNs, IReadOnlyList<ProtocolView> Protocols);

/// <summary>One protocol seen on a port: flows, bytes, servers (<c>ip:port</c>), products, fingerprints, unknown shapes.</summary>
public sealed record ProtocolView(string Name, long Flows, long Bytes, IReadOnlyList<string> Servers, IReadOnlyList<CountView> Products,
    IReadOnlyList<CountView> Fingerprints, IReadOnlyList<UnknownShapeView> UnknownShapes, long Omitted);

/// <summary>A value and how many flows had it.</summary>
public readonly record struct CountView(string Value, long Flows);

/// <summary>An unknown shape (<c>shape (shape_hash)</c>), its flows, and the profile of the first flow that had it.</summary>
public sealed record UnknownShapeView(string Shape, long Flows, UnknownProfile? Example);
