using System.Diagnostics;
using Sniffer.Decoding;
using Sniffer.Fingerprinting;
using Sniffer.Flows;

namespace Sniffer.Attribution;

/// <summary>Settings of the attribution thread (tests point it at a fake /proc).</summary>
public sealed record ProcessResolverOptions
{
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>This host's addresses; null reads the interfaces.</summary>
    public Func<IEnumerable<IpAddr>>? LocalAddressSource { get; init; }

    /// <summary>Byte order of the /proc/net tables (this machine's, except in tests).</summary>
    public bool LittleEndian { get; init; } = BitConverter.IsLittleEndian;
}

/// <summary>
/// Names the local process behind each end of a flow, off the packet path. A worker that creates a flow with a
/// local endpoint calls <see cref="Request"/> (one small object per new flow, a try-enqueue into a bounded queue:
/// a full queue drops and counts, never blocks). The attribution thread takes whatever is queued at once and:
/// <list type="number">
/// <item>reads each /proc/net table the batch needs once (an IPv4 flow: tcp or udp, then tcp6/udp6 only if a
/// side was not found, for dual-stack sockets) and finds each endpoint's socket inode — the connection's own
/// socket, and for the server also the listening socket on its port (its inode stays put as long as the server
/// runs, so it still names the server after a short connection has closed). Every read costs the kernel a walk
/// of its whole socket hash (~4 ms CPU here even for a near-empty table), which is why reads are batched;</item>
/// <item>maps inodes to PIDs with <see cref="SocketOwnerIndex"/>; on a miss it walks /proc/*/fd again, at most
/// once per <see cref="MinRescanIntervalMs"/> (or <see cref="RescanCostFactor"/> × the last walk's duration, if
/// longer); when it may not walk yet, it walks only the processes born since the last walk (a new client), a
/// server side takes its listener's owner, and anything still missing waits for the next full walk;</item>
/// <item>reads the process details once per process (<see cref="ProcessInfoReader"/>) and publishes the results.</item>
/// </list>
/// Caching is by socket inode and by (PID, start time), not by port: a server restarted on the same port has a new
/// listener inode, so a cached answer cannot outlive it.
/// </summary>
public sealed class ProcessResolver : IDisposable
{
    /// <summary>Look-ups queued at most; more are dropped (<c>sniffer.process_lookup: dropped</c>) and counted.</summary>
    public const int QueueCapacity = 4096;
    /// <summary>Look-ups taken per pass (one /proc/net read serves them all).</summary>
    public const int MaxBatch = 512;
    /// <summary>Shortest time between two walks of /proc/*/fd.</summary>
    public const int MinRescanIntervalMs = 20;
    /// <summary>A walk is repeated at most every this many times its own duration (≤ ~10 % of a core).</summary>
    public const int RescanCostFactor = 10;
    /// <summary>
    /// How long a worker may wait, in total per packet batch (never per packet), for look-ups to finish before
    /// writing their flows' records; past it the record says <c>pending</c>.
    /// </summary>
    public const int MaxWaitPerBatchMs = 50;
    /// <summary>/proc/net tables larger than this are read only this far (about 100 000 sockets).</summary>
    public const int MaxTableBytes = 16 << 20;

    private readonly ProcessResolverOptions _options;
    private readonly int _root;
    private readonly LocalAddresses _local;
    private readonly SocketOwnerIndex _owners;
    private readonly ProcessInfoReader _processes;
    private readonly object _queueGate = new();
    private readonly Queue<ProcessLookup> _queue = new(QueueCapacity);
    private readonly object _resultGate = new();
    private readonly List<ProcessLookup> _batch = new(MaxBatch);
    private readonly List<SocketEntry> _entries = [];
    private readonly bool[] _wantedPorts = new bool[65536];
    private readonly List<ushort> _wantedList = [];
    private byte[] _table = new byte[64 * 1024];
    private Thread? _thread;
    private bool _completed;
    private volatile int _backlog;
    private long _lastAddressRefresh;

    private ProcessResolver(ProcessResolverOptions options, int root)
    {
        _options = options;
        _root = root;
        _local = new LocalAddresses(options.LocalAddressSource);
        _owners = new SocketOwnerIndex(root);
        _processes = new ProcessInfoReader(root);
        _lastAddressRefresh = Stopwatch.GetTimestamp();
    }

    public AttributionStatistics Statistics { get; } = new();

    public LocalAddresses Local => _local;

    /// <summary>Opens /proc; null and a one-line reason when attribution cannot work here.</summary>
    public static ProcessResolver? TryCreate(ProcessResolverOptions? options, out string? error)
    {
        options ??= new ProcessResolverOptions();
        error = null;
        int root;
        try
        {
            root = ProcFs.OpenRoot(options.ProcRoot);
            if (root >= 0)
            {
                // Everything needed must resolve now, not fail later on the attribution thread.
                Span<byte> probe = stackalloc byte[64];
                ProcFs.GetDirectoryEntries(root, probe);
                ProcFs.ReadLinkAt(root, "self\0"u8, probe);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            error = $"process attribution is not available here ({e.Message})";
            return null;
        }

        if (root < 0)
        {
            error = $"process attribution is not available: {options.ProcRoot}: cannot open (errno {-root})";
            return null;
        }

        return new ProcessResolver(options, root);
    }

    /// <summary>Starts the attribution thread.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { Name = "sniffer-process", IsBackground = true };
        _thread.Start();
    }

    /// <summary>
    /// Called by the worker that creates <paramref name="flow"/>: queues its look-up when an endpoint is local.
    /// Never blocks. Null when no endpoint is local or the flow came in a tunnel (its inner addresses belong to
    /// other hosts).
    /// </summary>
    public ProcessLookup? Request(Flow flow)
    {
        if (flow.Tunnel != TunnelType.None)
        {
            return null;
        }

        bool clientLocal = _local.IsLocal(flow.ClientIp);
        bool serverLocal = _local.IsLocal(flow.ServerIp);
        if (!clientLocal && !serverLocal)
        {
            return null;
        }

        var lookup = new ProcessLookup(flow.Transport, flow.ClientIp, flow.ClientPort, flow.ServerIp, flow.ServerPort,
            clientLocal, serverLocal, Stopwatch.GetTimestamp());
        if (!TryEnqueue(lookup))
        {
            lookup.MarkDropped();
            Interlocked.Increment(ref Statistics.Dropped);
        }

        Interlocked.Increment(ref Statistics.Requested);
        return lookup;
    }

    /// <summary>Queues a look-up made elsewhere (tests); false when the queue is full or closed.</summary>
    public bool TryEnqueue(ProcessLookup lookup)
    {
        lock (_queueGate)
        {
            if (_completed || _queue.Count >= QueueCapacity)
            {
                return false;
            }

            _queue.Enqueue(lookup);
            _backlog = _queue.Count;
            if (_queue.Count == 1)
            {
                Monitor.Pulse(_queueGate);
            }

            return true;
        }
    }

    /// <summary>
    /// Waits until <paramref name="lookup"/> is done, spending at most <paramref name="budgetTicks"/> (Stopwatch
    /// ticks, reduced by the time spent). Does not wait when the budget is spent or the thread is far behind.
    /// </summary>
    public bool WaitFor(ProcessLookup lookup, ref long budgetTicks)
    {
        if (lookup.IsDone)
        {
            return true;
        }

        if (budgetTicks <= 0 || _backlog > MaxBatch || _thread is null)
        {
            return false;
        }

        long start = Stopwatch.GetTimestamp();
        lock (_resultGate)
        {
            while (!lookup.IsDone)
            {
                long left = budgetTicks - (Stopwatch.GetTimestamp() - start);
                if (left <= 0)
                {
                    break;
                }

                Monitor.Wait(_resultGate, (int)Math.Max(1, (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency));
            }
        }

        budgetTicks -= Stopwatch.GetTimestamp() - start;
        return lookup.IsDone;
    }

    /// <summary>The per-batch wait budget in Stopwatch ticks.</summary>
    public static long WaitBudgetTicks => MaxWaitPerBatchMs * Stopwatch.Frequency / 1000;

    /// <summary>Stops taking look-ups, lets the thread finish what is queued, and closes /proc.</summary>
    public void Dispose()
    {
        lock (_queueGate)
        {
            _completed = true;
            Monitor.PulseAll(_queueGate);
        }

        _thread?.Join();
        _thread = null;
        ProcFs.Close(_root);
    }

    private void Run()
    {
        Rescan(); // index the listeners that exist now, so the first flows do not wait for a walk
        while (true)
        {
            lock (_queueGate)
            {
                if (_queue.Count == 0 && !_completed)
                {
                    Monitor.Wait(_queueGate, LocalAddresses.RefreshIntervalMs);
                }

                if (_queue.Count == 0 && _completed)
                {
                    return; // completed and drained
                }

                while (_batch.Count < MaxBatch && _queue.TryDequeue(out var l))
                {
                    _batch.Add(l);
                }

                _backlog = _queue.Count;
            }

            // Outside the lock: workers enqueueing must never wait for /proc or for the interface list.
            RefreshAddressesIfDue();
            if (_batch.Count == 0)
            {
                continue;
            }

            try
            {
                ResolveBatch(_batch);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug must not leave workers waiting nor take the capture down: publish what is known.
                foreach (var l in _batch)
                {
                    if (!l.IsDone)
                    {
                        l.Complete(LookupStatus.NotFound, null, LookupStatus.NotFound, null);
                    }
                }
            }

            _batch.Clear();
            lock (_resultGate)
            {
                Monitor.PulseAll(_resultGate);
            }
        }
    }

    private void RefreshAddressesIfDue()
    {
        long now = Stopwatch.GetTimestamp();
        if (now - _lastAddressRefresh >= LocalAddresses.RefreshIntervalMs * Stopwatch.Frequency / 1000)
        {
            _lastAddressRefresh = now;
            _local.Refresh();
        }
    }

    /// <summary>Resolves and publishes a batch of look-ups (the attribution thread; tests call it directly).</summary>
    internal void ResolveBatch(List<ProcessLookup> batch)
    {
        var stats = Statistics;
        // Tables needed: [transport: 0 tcp, 1 udp][family: 0 IPv4, 1 IPv6].
        Span<bool> tables = stackalloc bool[4];
        int live = 0;
        foreach (var l in batch)
        {
            if (l.IsAbandoned || l.IsDone)
            {
                continue;
            }

            live++;
            tables[TableIndex(l.Transport, l.ServerIp.IsV6)] = true;

            if (l.ServerStatus == LookupStatus.Pending)
            {
                Want(l.ServerPort);
            }

            if (l.ClientStatus == LookupStatus.Pending)
            {
                Want(l.ClientPort);
            }
        }

        stats.Skipped += batch.Count - live;
        if (live == 0)
        {
            ClearWanted();
            return;
        }

        // 1. Socket inodes from /proc/net: each table read at most once per batch, and only the tables the
        //    batch needs (the kernel walks its whole socket hash for every read, ~ms even when almost empty).
        _entries.Clear();
        for (int t = 0; t < 4; t++)
        {
            if (tables[t])
            {
                ReadTable(t);
            }
        }

        FindAll(batch);

        // IPv4 flows of dual-stack (AF_INET6) sockets are only in the IPv6 tables, as ::ffff:a.b.c.d.
        bool again = false;
        foreach (var l in batch)
        {
            if (!l.IsAbandoned && !l.IsDone && !l.ServerIp.IsV6 && !tables[TableIndex(l.Transport, true)] && Incomplete(l))
            {
                tables[TableIndex(l.Transport, true)] = true;
                ReadTable(TableIndex(l.Transport, true));
                again = true;
            }
        }

        if (again)
        {
            FindAll(batch);
        }

        ClearWanted();

        // 2. Owners. A miss walks /proc/*/fd again when the rate limit allows; a server side whose own socket is
        //    unknown to the index may take its listener's owner instead of waiting for the next walk.
        bool missing = false, approximate = false;
        foreach (var l in batch)
        {
            if (!l.IsAbandoned && !l.IsDone)
            {
                Classify(l, ref missing, ref approximate);
            }
        }

        if (missing || approximate)
        {
            long wait = RescanWaitTicks();
            if (wait > 0 && missing && _owners.ScanNew() > 0)
            {
                // A full walk is not allowed yet: the processes born since the last one (a new curl…) may hold
                // the missing sockets, and walking only them is cheap.
                Statistics.NewProcessScans++;
                missing = approximate = false;
                foreach (var l in batch)
                {
                    if (!l.IsAbandoned && !l.IsDone)
                    {
                        Classify(l, ref missing, ref approximate);
                    }
                }
            }

            if (wait > 0 && missing)
            {
                Thread.Sleep(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
                wait = 0;
            }

            if (wait <= 0 && (missing || approximate))
            {
                Rescan();
            }
        }

        // 3. Process details, then publish.
        foreach (var l in batch)
        {
            if (l.IsAbandoned || l.IsDone)
            {
                continue;
            }

            var (serverStatus, server) = Finish(l.ServerStatus, l.ServerInode, l.ListenerInode);
            var (clientStatus, client) = Finish(l.ClientStatus, l.ClientInode, 0);
            l.Complete(serverStatus, server, clientStatus, client);
            stats.Completed++;
            if (l.ServerStatus != LookupStatus.NotLocal)
            {
                stats.Sides[(int)serverStatus]++;
            }

            if (l.ClientStatus != LookupStatus.NotLocal)
            {
                stats.Sides[(int)clientStatus]++;
            }

            double ms = (Stopwatch.GetTimestamp() - l.CreatedAt) * 1000.0 / Stopwatch.Frequency;
            stats.LatencyMsTotal += ms;
            stats.LatencyMsMax = Math.Max(stats.LatencyMsMax, ms);
        }
    }

    private static int TableIndex(Transport transport, bool v6) => (transport == Transport.Udp ? 2 : 0) + (v6 ? 1 : 0);

    private static ReadOnlySpan<byte> TablePath(int index) => index switch
    {
        0 => "net/tcp\0"u8,
        1 => "net/tcp6\0"u8,
        2 => "net/udp\0"u8,
        _ => "net/udp6\0"u8,
    };

    /// <summary>A local side for which no socket was found (yet).</summary>
    private static bool Incomplete(ProcessLookup l) =>
        (l.ServerStatus == LookupStatus.Pending && l.ServerInode == 0 && l.ListenerInode == 0) ||
        (l.ClientStatus == LookupStatus.Pending && l.ClientInode == 0);

    private void FindAll(List<ProcessLookup> batch)
    {
        foreach (var l in batch)
        {
            if (!l.IsAbandoned && !l.IsDone)
            {
                FindSockets(l);
            }
        }
    }

    private void Want(ushort port)
    {
        if (!_wantedPorts[port])
        {
            _wantedPorts[port] = true;
            _wantedList.Add(port);
        }
    }

    private void ClearWanted()
    {
        foreach (ushort p in _wantedList)
        {
            _wantedPorts[p] = false;
        }

        _wantedList.Clear();
    }

    /// <summary>Reads one table and keeps the entries on a wanted local port (the transport goes in the state's high bit).</summary>
    private void ReadTable(int index)
    {
        Transport transport = index >= 2 ? Transport.Udp : Transport.Tcp;
        int len = ProcFs.ReadFile(_root, TablePath(index), ref _table, MaxTableBytes);
        if (len <= 0)
        {
            return; // no IPv6, or no such table
        }

        var text = _table.AsSpan(0, len);
        if (len == MaxTableBytes)
        {
            text = text[..(text.LastIndexOf((byte)'\n') + 1)]; // never parse a cut line
        }

        byte tag = transport == Transport.Udp ? UdpTag : (byte)0;
        while (!text.IsEmpty)
        {
            int nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            if (ProcNetParser.TryParseLine(line, _options.LittleEndian, out var e) && _wantedPorts[e.LocalPort])
            {
                _entries.Add(e with { State = (byte)(e.State | tag) });
            }
        }
    }

    private const byte UdpTag = 0x80;

    /// <summary>Finds the flow's sockets among the entries read: exact 4-tuple first; the server's listener too.</summary>
    private void FindSockets(ProcessLookup l)
    {
        byte tag = l.Transport == Transport.Udp ? UdpTag : (byte)0;
        bool udp = tag != 0;
        ulong serverExact = 0, client = 0, listener = 0, clientUnconnected = 0;
        int listenerRank = 0, clientRank = 0;
        foreach (var e in _entries)
        {
            if ((e.State & UdpTag) != tag)
            {
                continue;
            }

            byte state = (byte)(e.State & ~UdpTag);
            if (l.ServerStatus == LookupStatus.Pending && e.LocalPort == l.ServerPort)
            {
                if (e.LocalIp == l.ServerIp && e.RemotePort == l.ClientPort && e.RemoteIp == l.ClientIp)
                {
                    serverExact = e.Inode != 0 ? e.Inode : serverExact;
                }
                else if (e.Inode != 0 && (udp ? e.RemotePort == 0 : state == SocketState.Listen))
                {
                    // Bound to the server's own address beats bound to any (and the flow's family beats a dual-stack ::).
                    int rank = e.LocalIp == l.ServerIp ? 3 : e.LocalIsAny && e.LocalIp.IsV6 == l.ServerIp.IsV6 ? 2 : e.LocalIsAny ? 1 : 0;
                    if (rank > listenerRank)
                    {
                        listenerRank = rank;
                        listener = e.Inode;
                    }
                }
            }

            if (l.ClientStatus == LookupStatus.Pending && e.LocalPort == l.ClientPort)
            {
                if (e.LocalIp == l.ClientIp && e.RemotePort == l.ServerPort && e.RemoteIp == l.ServerIp)
                {
                    client = e.Inode != 0 ? e.Inode : client;
                }
                else if (udp && e.Inode != 0 && e.RemotePort == 0)
                {
                    // An unconnected UDP client (sendto) has only its local port in the table.
                    int rank = e.LocalIp == l.ClientIp ? 3 : e.LocalIsAny && e.LocalIp.IsV6 == l.ClientIp.IsV6 ? 2 : e.LocalIsAny ? 1 : 0;
                    if (rank > clientRank)
                    {
                        clientRank = rank;
                        clientUnconnected = e.Inode;
                    }
                }
            }
        }

        l.ServerInode = serverExact;
        l.ListenerInode = listener;
        l.ClientInode = client != 0 ? client : clientUnconnected;
    }

    /// <summary>First pass over the index; notes whether a walk is needed (missing) or would make an answer exact.</summary>
    private void Classify(ProcessLookup l, ref bool missing, ref bool approximate)
    {
        if (l.ServerStatus == LookupStatus.Pending && !(l.ServerInode != 0 && _owners.TryGetOwner(l.ServerInode, out _)))
        {
            if (l.ListenerInode != 0 && _owners.TryGetOwner(l.ListenerInode, out _))
            {
                approximate |= l.ServerInode != 0;
            }
            else
            {
                missing |= l.ServerInode != 0 || l.ListenerInode != 0;
            }
        }

        if (l.ClientStatus == LookupStatus.Pending && l.ClientInode != 0 && !_owners.TryGetOwner(l.ClientInode, out _))
        {
            missing = true;
        }
    }

    /// <summary>Final answer for one side after the (possible) walk.</summary>
    private (LookupStatus, ProcessInfo?) Finish(LookupStatus initial, ulong inode, ulong listener)
    {
        if (initial != LookupStatus.Pending)
        {
            return (initial, null); // not local
        }

        if (inode == 0 && listener == 0)
        {
            return (LookupStatus.Closed, null);
        }

        if (!(inode != 0 && _owners.TryGetOwner(inode, out var owner)) && !(listener != 0 && _owners.TryGetOwner(listener, out owner)))
        {
            return (_owners.LastDenied > 0 ? LookupStatus.Denied : LookupStatus.NotFound, null);
        }

        var info = _processes.Get(owner.Pid);
        return info is null ? (LookupStatus.Exited, null) : (LookupStatus.Found, info);
    }

    /// <summary>Stopwatch ticks until the next walk is allowed (≤ 0: now).</summary>
    private long RescanWaitTicks()
    {
        if (_owners.LastScanAt == 0)
        {
            return 0;
        }

        long interval = Math.Max(MinRescanIntervalMs * Stopwatch.Frequency / 1000, RescanCostFactor * _owners.LastScanTicks);
        return _owners.LastScanAt + interval - Stopwatch.GetTimestamp();
    }

    private void Rescan()
    {
        _owners.Rescan();
        var stats = Statistics;
        double ms = _owners.LastScanTicks * 1000.0 / Stopwatch.Frequency;
        stats.Scans++;
        stats.ScanMsTotal += ms;
        stats.ScanMsMax = Math.Max(stats.ScanMsMax, ms);
        stats.ScanProcesses = _owners.LastProcesses;
        stats.ScanDescriptors = _owners.LastDescriptors;
        stats.DeniedMax = Math.Max(stats.DeniedMax, _owners.LastDenied);
    }
}
