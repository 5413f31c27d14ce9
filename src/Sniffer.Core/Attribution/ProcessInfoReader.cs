using System.Runtime.InteropServices;
using Sniffer.Fingerprinting;
using Sniffer.Security;

namespace Sniffer.Attribution;

/// <summary>
/// Reads a process's details from <c>/proc/PID/{stat,status,cmdline,exe}</c> and keeps one shared
/// <see cref="ProcessInfo"/> per process, recognised by PID and start time (a reused PID is a new process).
/// Used by the attribution thread only.
/// </summary>
public sealed partial class ProcessInfoReader
{
    /// <summary>Longest <c>process.command_line</c> in characters; longer ones end with <see cref="WireText.TruncationMark"/>.</summary>
    public const int MaxCommandLineLength = 1024;
    /// <summary>Longest <c>process.executable</c> (PATH_MAX).</summary>
    public const int MaxExecutableLength = 4096;
    /// <summary>Longest process name (the kernel keeps 15 bytes for a process, up to 63 for a kernel thread).</summary>
    public const int MaxNameLength = 64;
    /// <summary>Processes remembered; past this the cache starts over.</summary>
    public const int MaxCachedProcesses = 8192;
    /// <summary>/proc/PID/stat and status are a few hundred bytes to ~1.5 KiB; this bounds a hostile or odd one.</summary>
    private const int MaxSmallFileBytes = 16 * 1024;

    private readonly int _root;
    private readonly Dictionary<int, ProcessInfo> _cache = [];
    private readonly Dictionary<uint, string?> _userNames = [];
    private readonly long _bootNs;
    private readonly long _ticksPerSecond;
    private byte[] _buffer = new byte[4096];

    /// <param name="procRoot">An open descriptor of /proc (or of a fake tree).</param>
    public ProcessInfoReader(int procRoot)
    {
        _root = procRoot;
        _ticksPerSecond = ProcFs.ClockTicksPerSecond();
        _bootNs = ReadBootTime();
    }

    /// <summary>Processes cached now.</summary>
    public int Cached => _cache.Count;

    /// <summary>
    /// The process <paramref name="pid"/>, or null when it is gone (it exited since its socket was found).
    /// </summary>
    public ProcessInfo? Get(int pid)
    {
        Span<byte> path = stackalloc byte[ProcFs.MaxPathBytes];
        int n = ProcFs.Path(path, pid, "stat"u8);
        int len = ProcFs.ReadFile(_root, path[..(n + 1)], ref _buffer, MaxSmallFileBytes);
        if (len <= 0 || !TryParseStat(_buffer.AsSpan(0, len), out var comm, out ulong startTicks))
        {
            return null;
        }

        if (_cache.TryGetValue(pid, out var cached) && cached.StartTicks == startTicks)
        {
            return cached;
        }

        string name = WireText.Decode(comm, MaxNameLength);
        uint uid = ReadEffectiveUid(pid, path) ?? 0;
        string? commandLine = ReadCommandLine(pid, path);
        string? executable = ReadExecutable(pid, path);
        long startNs = _bootNs > 0 ? _bootNs + (long)(startTicks * (1_000_000_000UL / (ulong)_ticksPerSecond)) : 0;
        var info = new ProcessInfo(pid, name, executable, commandLine, uid, UserName(uid), startTicks, startNs);
        if (_cache.Count >= MaxCachedProcesses)
        {
            _cache.Clear();
        }

        _cache[pid] = info;
        return info;
    }

    /// <summary>
    /// <c>pid (comm) state ppid … starttime …</c>: the command name may hold spaces and parentheses, so it ends at
    /// the last ')'; start time is field 22.
    /// </summary>
    public static bool TryParseStat(ReadOnlySpan<byte> stat, out ReadOnlySpan<byte> comm, out ulong startTicks)
    {
        comm = default;
        startTicks = 0;
        int open = stat.IndexOf((byte)'(');
        int close = stat.LastIndexOf((byte)')');
        if (open < 0 || close < open)
        {
            return false;
        }

        comm = stat[(open + 1)..close];
        var rest = stat[(close + 1)..];
        // Fields after the name start at 3 (state); start time is field 22, the 20th of these.
        for (int field = 3; field <= 22; field++)
        {
            int start = rest.IndexOfAnyExcept((byte)' ');
            if (start < 0)
            {
                return false;
            }

            rest = rest[start..];
            int end = rest.IndexOfAny((byte)' ', (byte)'\n');
            var value = end < 0 ? rest : rest[..end];
            if (field == 22)
            {
                return System.Buffers.Text.Utf8Parser.TryParse(value, out startTicks, out int used) && used == value.Length;
            }

            rest = end < 0 ? default : rest[end..];
        }

        return false;
    }

    /// <summary>The effective uid from <c>status</c>' "Uid:\treal\teffective\tsaved\tfs" line.</summary>
    public static bool TryParseEffectiveUid(ReadOnlySpan<byte> status, out uint uid)
    {
        uid = 0;
        int at = status.IndexOf("\nUid:"u8);
        if (at < 0)
        {
            return false;
        }

        var line = status[(at + 5)..];
        int nl = line.IndexOf((byte)'\n');
        if (nl >= 0)
        {
            line = line[..nl];
        }

        for (int field = 0; field < 2; field++)
        {
            int start = line.IndexOfAnyExcept((byte)'\t', (byte)' ');
            if (start < 0)
            {
                return false;
            }

            line = line[start..];
            int end = line.IndexOfAny((byte)'\t', (byte)' ');
            var value = end < 0 ? line : line[..end];
            if (field == 1)
            {
                return System.Buffers.Text.Utf8Parser.TryParse(value, out uid, out int used) && used == value.Length;
            }

            line = end < 0 ? default : line[end..];
        }

        return false;
    }

    /// <summary>Arguments joined by spaces (the NULs between them), trailing NULs dropped, cut at the limit.</summary>
    public static string? FormatCommandLine(Span<byte> raw)
    {
        int end = raw.Length;
        while (end > 0 && raw[end - 1] == 0)
        {
            end--;
        }

        if (end == 0)
        {
            return null;
        }

        raw = raw[..end];
        raw.Replace((byte)0, (byte)' ');
        return WireText.Decode(raw, MaxCommandLineLength);
    }

    private uint? ReadEffectiveUid(int pid, Span<byte> path)
    {
        int n = ProcFs.Path(path, pid, "status"u8);
        int len = ProcFs.ReadFile(_root, path[..(n + 1)], ref _buffer, MaxSmallFileBytes);
        return len > 0 && TryParseEffectiveUid(_buffer.AsSpan(0, len), out uint uid) ? uid : null;
    }

    private string? ReadCommandLine(int pid, Span<byte> path)
    {
        int n = ProcFs.Path(path, pid, "cmdline"u8);
        // A few bytes past the limit: enough to know that the text was cut (WireText marks it).
        int len = ProcFs.ReadFile(_root, path[..(n + 1)], ref _buffer, MaxCommandLineLength + 4);
        return len > 0 ? FormatCommandLine(_buffer.AsSpan(0, len)) : null;
    }

    private string? ReadExecutable(int pid, Span<byte> path)
    {
        int n = ProcFs.Path(path, pid, "exe"u8);
        if (_buffer.Length < MaxExecutableLength)
        {
            Array.Resize(ref _buffer, MaxExecutableLength);
        }

        int len = ProcFs.ReadLinkAt(_root, path[..(n + 1)], _buffer.AsSpan(0, MaxExecutableLength));
        return len > 0 ? WireText.Decode(_buffer.AsSpan(0, len), MaxExecutableLength - 1) : null;
    }

    private long ReadBootTime()
    {
        int len = ProcFs.ReadFile(_root, "stat\0"u8, ref _buffer, 1 << 20);
        if (len <= 0)
        {
            return 0;
        }

        var text = _buffer.AsSpan(0, len);
        int at = text.IndexOf("\nbtime "u8);
        if (at < 0)
        {
            return 0;
        }

        var value = text[(at + 7)..];
        int nl = value.IndexOf((byte)'\n');
        if (nl >= 0)
        {
            value = value[..nl];
        }

        return System.Buffers.Text.Utf8Parser.TryParse(value, out long seconds, out _) ? seconds * 1_000_000_000L : 0;
    }

    private string? UserName(uint uid)
    {
        if (!_userNames.TryGetValue(uid, out string? name))
        {
            name = LookUpUser(uid);
            _userNames[uid] = name;
        }

        return name;
    }

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static unsafe partial int GetPwUidR(uint uid, Passwd* pwd, byte* buffer, nuint size, Passwd** result);

    /// <summary>Largest buffer offered to getpwuid_r (it asks for more with ERANGE).</summary>
    private const int MaxPasswdBuffer = 1 << 16;
    private const int ERANGE = 34;

    /// <summary>The user database's name for <paramref name="uid"/> (files, LDAP… as nsswitch says), or null.</summary>
    public static unsafe string? LookUpUser(uint uid)
    {
        try
        {
            for (int size = 1024; size <= MaxPasswdBuffer; size *= 4)
            {
                byte[] buffer = new byte[size];
                Passwd pwd;
                Passwd* result = null;
                int rc;
                fixed (byte* b = buffer)
                {
                    rc = GetPwUidR(uid, &pwd, b, (nuint)size, &result);
                    if (rc == 0)
                    {
                        return result is null || pwd.Name == 0 ? null : Marshal.PtrToStringUTF8(pwd.Name);
                    }
                }

                if (rc != ERANGE)
                {
                    return null;
                }
            }
        }
        catch (EntryPointNotFoundException)
        {
        }

        return null;
    }
}
