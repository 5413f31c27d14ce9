using System.Diagnostics;

namespace Sniffer.Attribution;

/// <summary>Who holds a socket: a process and the descriptor number it holds it under.</summary>
public readonly record struct SocketOwner(int Pid, int Fd);

/// <summary>
/// Socket inode → owning process, built by walking <c>/proc/[pid]/fd/*</c> and reading each link
/// (<c>socket:[24114]</c>). A full walk costs one getdents64 per process and one readlinkat per descriptor, so
/// it is rebuilt only on a miss and rate-limited by the caller. A hit is checked again with one readlinkat before
/// it is trusted (the descriptor may have been closed and reused since the walk). A socket held by several
/// processes (a listener shared by a pre-forked server) maps to the lowest PID holding it.
/// Used by the attribution thread only.
/// </summary>
public sealed class SocketOwnerIndex
{
    /// <summary>getdents64 buffer: about 200 entries of /proc per call.</summary>
    private const int DirectoryBufferBytes = 8192;
    /// <summary>"socket:[18446744073709551615]" is 29 bytes; longer targets are not sockets.</summary>
    private const int MaxLinkBytes = 64;

    private readonly int _root;
    private Dictionary<ulong, SocketOwner> _owners = [];
    private Dictionary<ulong, SocketOwner> _next = [];
    private readonly HashSet<int> _pids = [];
    private readonly byte[] _procEntries = new byte[DirectoryBufferBytes];
    private readonly byte[] _fdEntries = new byte[DirectoryBufferBytes];
    private readonly List<int> _pidList = [];

    /// <param name="procRoot">An open descriptor of /proc (or of a fake tree).</param>
    public SocketOwnerIndex(int procRoot) => _root = procRoot;

    /// <summary>Sockets in the index after the last walk.</summary>
    public int Count => _owners.Count;

    /// <summary>Processes whose descriptors the last walk could not read (permission): attribution is partial.</summary>
    public int LastDenied { get; private set; }

    /// <summary>Processes seen by the last walk.</summary>
    public int LastProcesses { get; private set; }

    /// <summary>Descriptors read by the last walk.</summary>
    public int LastDescriptors { get; private set; }

    /// <summary>Duration of the last walk, in Stopwatch ticks.</summary>
    public long LastScanTicks { get; private set; }

    /// <summary>Stopwatch timestamp when the last walk ended (0: never).</summary>
    public long LastScanAt { get; private set; }

    public long Scans { get; private set; }

    public long TotalScanTicks { get; private set; }

    /// <summary>Walks every process again and replaces the index. False when /proc itself could not be listed.</summary>
    public bool Rescan()
    {
        long start = Stopwatch.GetTimestamp();
        _next.Clear();
        _pidList.Clear();
        int denied = 0, descriptors = 0;
        bool ok = ListProcesses();
        foreach (int pid in _pidList)
        {
            WalkProcess(pid, _next, ref denied, ref descriptors);
        }

        (_owners, _next) = (_next, _owners);

        _pids.Clear();
        foreach (int pid in _pidList)
        {
            _pids.Add(pid);
        }

        LastDenied = denied;
        LastProcesses = _pidList.Count;
        LastDescriptors = descriptors;
        long end = Stopwatch.GetTimestamp();
        LastScanTicks = end - start;
        LastScanAt = end;
        TotalScanTicks += LastScanTicks;
        Scans++;
        return ok;
    }

    /// <summary>
    /// Walks only the processes that appeared since the last walk and adds their sockets: cheap, and it finds the
    /// socket of a new short-lived client (curl, a script) while a full walk is not yet allowed. Returns how many
    /// processes were new.
    /// </summary>
    public int ScanNew()
    {
        _pidList.Clear();
        if (!ListProcesses())
        {
            return 0;
        }

        int denied = 0, descriptors = 0, fresh = 0;
        foreach (int pid in _pidList)
        {
            if (_pids.Add(pid))
            {
                fresh++;
                WalkProcess(pid, _owners, ref denied, ref descriptors);
            }
        }

        LastDenied += denied;
        return fresh;
    }

    /// <summary>Reads one process's descriptors into <paramref name="into"/> (the lowest PID wins a shared socket).</summary>
    private void WalkProcess(int pid, Dictionary<ulong, SocketOwner> into, ref int denied, ref int descriptors)
    {
        Span<byte> path = stackalloc byte[ProcFs.MaxPathBytes];
        Span<byte> link = stackalloc byte[MaxLinkBytes];
        ProcFs.Path(path, pid, "fd"u8);
        int dir = ProcFs.OpenAt(_root, path);
        if (dir < 0)
        {
            if (dir is -ProcFs.EACCES or -ProcFs.EPERM)
            {
                denied++;
            }

            return; // ENOENT: the process ended
        }

        bool linkDenied = false;
        try
        {
            while (true)
            {
                int n = ProcFs.GetDirectoryEntries(dir, _fdEntries);
                if (n <= 0)
                {
                    if (n is -ProcFs.EACCES or -ProcFs.EPERM || linkDenied)
                    {
                        denied++;
                    }

                    return;
                }

                int offset = 0;
                while (ProcFs.NextEntry(_fdEntries.AsSpan(0, n), ref offset, out var name))
                {
                    if (!ProcFs.TryParseNumber(name, out int fd))
                    {
                        continue; // "." and ".."
                    }

                    descriptors++;
                    name.CopyTo(path);
                    path[name.Length] = 0;
                    int len = ProcFs.ReadLinkAt(dir, path[..(name.Length + 1)], link);
                    // Listing needs CAP_DAC_READ_SEARCH, reading the links CAP_SYS_PTRACE: either may be missing.
                    linkDenied |= len is -ProcFs.EACCES or -ProcFs.EPERM;
                    if (len > 0 && TryParseSocketLink(link[..len], out ulong inode) &&
                        (!into.TryGetValue(inode, out var holder) || pid < holder.Pid))
                    {
                        into[inode] = new SocketOwner(pid, fd);
                    }
                }
            }
        }
        finally
        {
            ProcFs.Close(dir);
        }
    }

    /// <summary>The owner from the last walk, confirmed now (the descriptor still names this socket).</summary>
    public bool TryGetOwner(ulong inode, out SocketOwner owner)
    {
        if (!_owners.TryGetValue(inode, out owner))
        {
            return false;
        }

        Span<byte> path = stackalloc byte[ProcFs.MaxPathBytes];
        Span<byte> link = stackalloc byte[MaxLinkBytes];
        int n = ProcFs.FdPath(path, owner.Pid, owner.Fd);
        int len = ProcFs.ReadLinkAt(_root, path[..(n + 1)], link);
        if (len > 0 && TryParseSocketLink(link[..len], out ulong now) && now == inode)
        {
            return true;
        }

        _owners.Remove(inode);
        return false;
    }

    /// <summary>True when the process was seen by the last walk.</summary>
    public bool WasSeen(int pid) => _pids.Contains(pid);

    /// <summary>"socket:[24114]" → 24114.</summary>
    public static bool TryParseSocketLink(ReadOnlySpan<byte> link, out ulong inode)
    {
        inode = 0;
        if (!link.StartsWith("socket:["u8) || link.Length < 10 || link[^1] != (byte)']')
        {
            return false;
        }

        var digits = link[8..^1];
        if (digits.Length > 19)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            if ((uint)(b - '0') > 9)
            {
                return false;
            }

            inode = (inode * 10) + (ulong)(b - '0');
        }

        return true;
    }

    private bool ListProcesses()
    {
        int dir = ProcFs.OpenAt(_root, ".\0"u8);
        if (dir < 0)
        {
            return false;
        }

        try
        {
            while (true)
            {
                int n = ProcFs.GetDirectoryEntries(dir, _procEntries);
                if (n <= 0)
                {
                    return n == 0;
                }

                int offset = 0;
                while (ProcFs.NextEntry(_procEntries.AsSpan(0, n), ref offset, out var name))
                {
                    if (ProcFs.TryParseNumber(name, out int pid) && pid > 0)
                    {
                        _pidList.Add(pid);
                    }
                }
            }
        }
        finally
        {
            ProcFs.Close(dir);
        }
    }
}
