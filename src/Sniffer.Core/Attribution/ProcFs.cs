using System.Runtime.InteropServices;

namespace Sniffer.Attribution;

/// <summary>
/// The few libc calls process attribution needs, relative to one open directory (<c>/proc</c>, or a fake tree in
/// tests): <c>openat</c>, <c>read</c>, <c>getdents64</c>, <c>readlinkat</c>. No path strings, no exceptions: a
/// failed call returns a negative errno. Only the attribution thread uses them.
/// </summary>
internal static unsafe partial class ProcFs
{
    // Identical on every Linux architecture .NET runs on (asm-generic and x86): O_RDONLY and O_CLOEXEC.
    // O_DIRECTORY differs between architectures and is not needed: getdents64 fails on a non-directory.
    private const int OpenReadOnly = 0;
    private const int OpenCloseOnExec = 0x80000;

    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EACCES = 13;
    public const int EPERM = 1;

    /// <summary>Longest relative path built here ("4194304/fd/1048576" and the like) plus its NUL.</summary>
    public const int MaxPathBytes = 64;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAt(int dirFd, byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseFd(int fd);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static partial nint GetDents64(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint ReadLinkAt(int dirFd, byte* path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    private const int ScClockTicks = 2; // _SC_CLK_TCK on Linux

    /// <summary>Kernel clock ticks per second (the unit of /proc/PID/stat's start time); 100 when unknown.</summary>
    public static long ClockTicksPerSecond()
    {
        try
        {
            long t = SysConf(ScClockTicks);
            return t > 0 ? t : 100;
        }
        catch (EntryPointNotFoundException)
        {
            return 100;
        }
    }

    /// <summary>Opens an absolute path (the root of the tree); a negative errno on failure.</summary>
    public static int OpenRoot(string path)
    {
        Span<byte> p = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        int n = System.Text.Encoding.UTF8.GetBytes(path, p);
        p[n] = 0;
        fixed (byte* ptr = p)
        {
            int fd = Open(ptr, OpenReadOnly | OpenCloseOnExec);
            return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Opens <paramref name="path"/> (NUL-terminated) relative to <paramref name="dirFd"/>; a negative errno on failure.</summary>
    public static int OpenAt(int dirFd, ReadOnlySpan<byte> path)
    {
        fixed (byte* ptr = path)
        {
            int fd = OpenAt(dirFd, ptr, OpenReadOnly | OpenCloseOnExec);
            return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
        }
    }

    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = CloseFd(fd); // nothing to do about a failed close of a read-only descriptor
        }
    }

    /// <summary>Reads into <paramref name="buffer"/>; bytes read, 0 at the end, or a negative errno.</summary>
    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* ptr = buffer)
        {
            nint n = Read(fd, ptr, (nuint)buffer.Length);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Directory entries (<c>struct linux_dirent64</c>, the same layout everywhere); 0 at the end, or a negative errno.</summary>
    public static int GetDirectoryEntries(int fd, Span<byte> buffer)
    {
        fixed (byte* ptr = buffer)
        {
            nint n = GetDents64(fd, ptr, (nuint)buffer.Length);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>A symbolic link's target; its length, or a negative errno (a target that fills the buffer is cut).</summary>
    public static int ReadLinkAt(int dirFd, ReadOnlySpan<byte> path, Span<byte> target)
    {
        fixed (byte* p = path)
        fixed (byte* t = target)
        {
            nint n = ReadLinkAt(dirFd, p, t, (nuint)target.Length);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>
    /// Reads a whole (procfs) file relative to <paramref name="dirFd"/> into <paramref name="buffer"/>, growing it
    /// (procfs files report size 0) up to <paramref name="maxBytes"/>. Returns the length, or a negative errno.
    /// </summary>
    public static int ReadFile(int dirFd, ReadOnlySpan<byte> path, ref byte[] buffer, int maxBytes)
    {
        int fd = OpenAt(dirFd, path);
        if (fd < 0)
        {
            return fd;
        }

        try
        {
            int total = 0;
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (buffer.Length >= maxBytes)
                    {
                        return total; // cut at the limit
                    }

                    Array.Resize(ref buffer, Math.Min(maxBytes, buffer.Length * 2));
                }

                int n = Read(fd, buffer.AsSpan(total));
                if (n < 0)
                {
                    return total > 0 ? total : n;
                }

                if (n == 0)
                {
                    return total;
                }

                total += n;
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>Builds "a/b/c" (each part a number or text) NUL-terminated into <paramref name="path"/>; its length without the NUL.</summary>
    public static int Path(Span<byte> path, int pid, ReadOnlySpan<byte> rest)
    {
        pid.TryFormat(path, out int n);
        path[n++] = (byte)'/';
        rest.CopyTo(path[n..]);
        n += rest.Length;
        path[n] = 0;
        return n;
    }

    /// <summary>Builds "PID/fd/FD" NUL-terminated.</summary>
    public static int FdPath(Span<byte> path, int pid, int fd)
    {
        int n = Path(path, pid, "fd/"u8);
        fd.TryFormat(path[n..], out int m);
        n += m;
        path[n] = 0;
        return n;
    }

    /// <summary>Parses a decimal directory name ("1234") as a positive int; false for anything else.</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> name, out int value)
    {
        value = 0;
        if (name.Length > 9 || !ProcNetParser.TryParseDecimal(name, out ulong number))
        {
            return false;
        }

        value = (int)number;
        return true;
    }

    /// <summary>
    /// Walks a getdents64 buffer: each call yields the next entry's name (without its NUL).
    /// <c>struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }</c>.
    /// </summary>
    public static bool NextEntry(ReadOnlySpan<byte> entries, ref int offset, out ReadOnlySpan<byte> name)
    {
        const int NameOffset = 19;
        name = default;
        if (offset + NameOffset > entries.Length)
        {
            return false;
        }

        int recordLength = entries[offset + 16] | (entries[offset + 17] << 8);
        if (!BitConverter.IsLittleEndian)
        {
            recordLength = (entries[offset + 16] << 8) | entries[offset + 17];
        }

        if (recordLength < NameOffset || offset + recordLength > entries.Length)
        {
            return false;
        }

        var raw = entries.Slice(offset + NameOffset, recordLength - NameOffset);
        int nul = raw.IndexOf((byte)0);
        name = nul < 0 ? raw : raw[..nul];
        offset += recordLength;
        return true;
    }
}
