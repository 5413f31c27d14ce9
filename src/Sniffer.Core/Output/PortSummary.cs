using System.Text.Json;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;
using Sniffer.Flows;

namespace Sniffer.Output;

/// <summary>
/// The answer to "what is really on port 3624?": per watched server port, which protocols were seen, how many
/// flows each, which servers, which products and which fingerprints. Each worker counts into its own
/// <see cref="Shard"/> (struct keys, no strings built per flow, an uncontended lock); the shards are merged, with
/// the same bounds, when <c>port_summary</c> records are written at the end of a run and periodically live.
/// </summary>
public sealed class PortSummary
{
    /// <summary>Server ports tracked (with --any-port many ports may appear).</summary>
    public const int MaxPorts = 1024;
    /// <summary>Distinct servers, products and fingerprints listed per protocol.</summary>
    public const int MaxListed = 16;

    private readonly Func<ushort, bool> _include;
    private readonly List<Shard> _shards = [];
    private Shard? _default;

    public PortSummary(Func<ushort, bool> include) => _include = include;

    /// <summary>The sensor's <c>observer</c> object, copied into every record; null: none.</summary>
    public Delivery.ObserverFields? Observer { get; set; }

    /// <summary>A new shard for one worker thread.</summary>
    public Shard CreateShard()
    {
        var shard = new Shard(_include);
        lock (_shards)
        {
            _shards.Add(shard);
        }

        return shard;
    }

    /// <summary>Counts one finished flow (into a shared shard; workers use their own, <see cref="CreateShard"/>).</summary>
    public void Add(Flow flow, string protocol)
    {
        if (_default is null)
        {
            lock (_shards)
            {
                _default ??= CreateShardUnlocked();
            }
        }

        _default.Add(flow, protocol);
    }

    private Shard CreateShardUnlocked()
    {
        var shard = new Shard(_include);
        _shards.Add(shard);
        return shard;
    }

    /// <summary>A product: application name and version, as the metadata reports them.</summary>
    internal readonly record struct Product(string Name, string? Version)
    {
        public override string ToString() => Version is null ? Name : $"{Name} {Version}";
    }

    internal sealed class PortEntry
    {
        public long Flows;
        public long FirstNs = long.MaxValue;
        public long LastNs = long.MinValue;
        public readonly Dictionary<string, ProtocolEntry> Protocols = new(StringComparer.Ordinal);
    }

    internal sealed class ProtocolEntry
    {
        public long Flows;
        public long Bytes;
        public readonly HashSet<(IpAddr Ip, ushort Port)> Servers = [];
        public readonly Dictionary<Product, long> Products = [];
        public readonly Dictionary<string, long> Fingerprints = new(StringComparer.Ordinal);
        /// <summary>Protocols found inside this one (STARTTLS, SOCKS, HTTP CONNECT …), by name.</summary>
        public readonly Dictionary<string, long> Inner = new(StringComparer.Ordinal);
        /// <summary>Unknown shapes by shape hash; the text ("shape (hash)") is made once, when first seen.</summary>
        public readonly Dictionary<ulong, ShapeCount> UnknownShapes = [];
        public long Omitted;
    }

    internal sealed class ShapeCount
    {
        public required string Text;
        public long Flows;
        /// <summary>The first unknown flow of the shape (a copy: profiles are pooled), for the console's table.</summary>
        public UnknownProfile? Example;
    }

    /// <summary>One worker's counts. <see cref="Add"/> is called by its worker only; the writer merges under the lock.</summary>
    public sealed class Shard
    {
        private readonly Func<ushort, bool> _include;
        private readonly Lock _lock = new();
        private readonly Dictionary<ushort, PortEntry> _ports = [];
        private readonly List<string> _fingerprints = [];

        internal Shard(Func<ushort, bool> include) => _include = include;

        internal Lock SyncRoot => _lock;

        internal Dictionary<ushort, PortEntry> Ports => _ports;

        /// <summary>Counts one finished flow.</summary>
        public void Add(Flow flow, string protocol)
        {
            ushort serverPort = flow.ServerPort;
            if (!_include(serverPort))
            {
                return;
            }

            var meta = flow.Metadata;
            _fingerprints.Clear();
            meta?.CollectFingerprints(_fingerprints);
            meta?.Inner?.Metadata?.CollectFingerprints(_fingerprints);
            lock (_lock) // uncontended but for a periodic summary being written
            {
                if (!_ports.TryGetValue(serverPort, out var port))
                {
                    if (_ports.Count >= MaxPorts)
                    {
                        return;
                    }

                    port = new PortEntry();
                    _ports.Add(serverPort, port);
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
                AddBounded(p.Servers, (flow.ServerIp, serverPort), ref p.Omitted);
                if (meta?.ApplicationName is { } name)
                {
                    Count(p.Products, new Product(name, meta.ApplicationVersion), 1, ref p.Omitted);
                }

                foreach (var f in _fingerprints)
                {
                    Count(p.Fingerprints, f, 1, ref p.Omitted);
                }

                if (meta?.Inner is { Name: { } inner } && inner != protocol) // a switch (STUN → DTLS) already names the flow
                {
                    Count(p.Inner, inner, 1, ref p.Omitted);
                }

                if (flow.Unknown is { } unknown)
                {
                    CountShape(p, unknown.ShapeHashValue, unknown, null, null, 1);
                }
            }
        }
    }

    private static void AddBounded(HashSet<(IpAddr Ip, ushort Port)> set, (IpAddr Ip, ushort Port) value, ref long omitted)
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

    private static void Count<TKey>(Dictionary<TKey, long> counts, TKey key, long n, ref long omitted)
        where TKey : notnull
    {
        if (counts.TryGetValue(key, out long have))
        {
            counts[key] = have + n;
        }
        else if (counts.Count < MaxListed)
        {
            counts[key] = n;
        }
        else
        {
            omitted += n;
        }
    }

    private static void CountShape(ProtocolEntry p, ulong hash, UnknownProfile? profile, string? text, UnknownProfile? example, long n)
    {
        if (p.UnknownShapes.TryGetValue(hash, out var shape))
        {
            shape.Flows += n;
        }
        else if (p.UnknownShapes.Count < MaxListed)
        {
            p.UnknownShapes.Add(hash, new ShapeCount { Text = text ?? ShapeText(profile!), Flows = n, Example = example ?? profile?.Snapshot() });
        }
        else
        {
            p.Omitted += n;
        }
    }

    private static string ShapeText(UnknownProfile profile)
    {
        Span<byte> utf8 = stackalloc byte[128];
        return System.Text.Encoding.UTF8.GetString(utf8[..profile.FormatShapeKey(utf8)]);
    }

    /// <summary>The shards merged (each shard's entries in turn, with the same bounds), ports in order.</summary>
    private SortedDictionary<ushort, PortEntry> Merge()
    {
        var merged = new SortedDictionary<ushort, PortEntry>();
        Shard[] shards;
        lock (_shards)
        {
            shards = [.. _shards];
        }

        foreach (var shard in shards)
        {
            lock (shard.SyncRoot)
            {
                foreach (var (portNumber, port) in shard.Ports)
                {
                    if (!merged.TryGetValue(portNumber, out var into))
                    {
                        if (merged.Count >= MaxPorts)
                        {
                            continue;
                        }

                        into = new PortEntry();
                        merged.Add(portNumber, into);
                    }

                    into.Flows += port.Flows;
                    into.FirstNs = Math.Min(into.FirstNs, port.FirstNs);
                    into.LastNs = Math.Max(into.LastNs, port.LastNs);
                    foreach (var (name, p) in port.Protocols)
                    {
                        if (!into.Protocols.TryGetValue(name, out var q))
                        {
                            q = new ProtocolEntry();
                            into.Protocols.Add(name, q);
                        }

                        q.Flows += p.Flows;
                        q.Bytes += p.Bytes;
                        q.Omitted += p.Omitted;
                        foreach (var server in p.Servers)
                        {
                            AddBounded(q.Servers, server, ref q.Omitted);
                        }

                        foreach (var (product, n) in p.Products)
                        {
                            Count(q.Products, product, n, ref q.Omitted);
                        }

                        foreach (var (fingerprint, n) in p.Fingerprints)
                        {
                            Count(q.Fingerprints, fingerprint, n, ref q.Omitted);
                        }

                        foreach (var (inner, n) in p.Inner)
                        {
                            Count(q.Inner, inner, n, ref q.Omitted);
                        }

                        foreach (var (hash, shape) in p.UnknownShapes)
                        {
                            CountShape(q, hash, null, shape.Text, shape.Example, shape.Flows);
                        }
                    }
                }
            }
        }

        return merged;
    }

    /// <summary>Writes one <c>port_summary</c> record per port seen; returns how many.</summary>
    public int Write(Utf8JsonWriter w, System.Buffers.IBufferWriter<byte> output, long nowNs, bool final)
    {
        Span<byte> ts = stackalloc byte[Rfc3339.Length];
        int written = 0;
        foreach (var (portNumber, port) in Merge())
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
                WriteCounts(w, "products"u8, p.Products.Select(kv => (kv.Key.ToString(), kv.Value)));
                WriteCounts(w, "fingerprints"u8, p.Fingerprints.Select(kv => (kv.Key, kv.Value)));
                WriteCounts(w, "inner"u8, p.Inner.Select(kv => (kv.Key, kv.Value)));
                WriteCounts(w, "unknown_shapes"u8, p.UnknownShapes.Values.Select(s => (s.Text, s.Flows)));
                if (p.Omitted > 0)
                {
                    w.WriteNumber("omitted"u8, p.Omitted);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            FlowRecordWriter.EndRecord(w, output);
            written++;
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
        foreach (var (portNumber, port) in Merge())
        {
            var protocols = new List<ProtocolView>();
            foreach (var (name, p) in port.Protocols.OrderByDescending(kv => kv.Value.Flows).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            {
                protocols.Add(new ProtocolView(
                    name,
                    p.Flows,
                    p.Bytes,
                    [.. p.Servers.OrderBy(x => x.Ip).ThenBy(x => x.Port).Select(x => x.Ip.IsV6 ? $"[{x.Ip}]:{x.Port}" : $"{x.Ip}:{x.Port}")],
                    Ranked(p.Products.Select(kv => (kv.Key.ToString(), kv.Value))),
                    Ranked(p.Fingerprints.Select(kv => (kv.Key, kv.Value))),
                    Ranked(p.Inner.Select(kv => (kv.Key, kv.Value))),
                    [.. p.UnknownShapes.Values.OrderByDescending(x => x.Flows).ThenBy(x => x.Text, StringComparer.Ordinal)
                        .Select(x => new UnknownShapeView(x.Text, x.Flows, x.Example))],
                    p.Omitted));
            }

            ports.Add(new PortView(portNumber, PortRegistry.IanaServiceName(portNumber), port.Flows, port.FirstNs, port.LastNs, protocols));
        }

        return ports;
    }

    private static List<CountView> Ranked(IEnumerable<(string Value, long Flows)> counts) =>
        [.. counts.OrderByDescending(c => c.Flows).ThenBy(c => c.Value, StringComparer.Ordinal).Select(c => new CountView(c.Value, c.Flows))];

    private static void WriteServers(Utf8JsonWriter w, ReadOnlySpan<byte> name, HashSet<(IpAddr Ip, ushort Port)> servers)
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

    private static void WriteCounts(Utf8JsonWriter w, ReadOnlySpan<byte> name, IEnumerable<(string Value, long Flows)> counts)
    {
        var sorted = counts.OrderByDescending(c => c.Flows).ThenBy(c => c.Value, StringComparer.Ordinal).ToList();
        if (sorted.Count == 0)
        {
            return;
        }

        w.WriteStartArray(name);
        foreach (var (value, n) in sorted)
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

/// <summary>One protocol seen on a port: flows, bytes, servers (<c>ip:port</c>), products, fingerprints, inner protocols, unknown shapes.</summary>
public sealed record ProtocolView(string Name, long Flows, long Bytes, IReadOnlyList<string> Servers, IReadOnlyList<CountView> Products,
    IReadOnlyList<CountView> Fingerprints, IReadOnlyList<CountView> Inner, IReadOnlyList<UnknownShapeView> UnknownShapes, long Omitted);

/// <summary>A value and how many flows had it.</summary>
public readonly record struct CountView(string Value, long Flows);

/// <summary>An unknown shape (<c>shape (shape_hash)</c>), its flows, and the profile of the first flow that had it.</summary>
public sealed record UnknownShapeView(string Shape, long Flows, UnknownProfile? Example);
