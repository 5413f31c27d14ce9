using System.Globalization;
using System.Runtime.InteropServices;

namespace Sniffer.Tests.RealPrograms;

/// <summary>
/// The processes a server forked (read from /proc), stopped one by one by PID — never by name. Each PID is kept
/// with its start time, so a PID reused by an unrelated process in the meantime is left alone.
/// </summary>
internal static class ProcessTree
{
    public const int SigKill = 9;
    /// <summary>How long forked processes get after SIGTERM before SIGKILL.</summary>
    public const int ChildStopTimeoutMs = 3_000;

    public readonly record struct Member(int Pid, ulong StartTime);

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => SysKill(pid, signal) == 0;

    /// <summary>Every live descendant of <paramref name="root"/>, deepest last.</summary>
    public static List<Member> Descendants(int root)
    {
        var parents = new Dictionary<int, List<Member>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                || !TryStat(pid, out int ppid, out ulong start))
            {
                continue;
            }

            if (!parents.TryGetValue(ppid, out var list))
            {
                parents[ppid] = list = [];
            }

            list.Add(new Member(pid, start));
        }

        var result = new List<Member>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            if (!parents.TryGetValue(queue.Dequeue(), out var children))
            {
                continue;
            }

            foreach (var child in children)
            {
                result.Add(child);
                queue.Enqueue(child.Pid);
            }
        }

        return result;
    }

    /// <summary>SIGTERM to each member still alive (same PID, same start time), SIGKILL to those left after a bound.</summary>
    public static void StopAll(IReadOnlyList<Member> members)
    {
        var alive = members.Where(IsAlive).ToList();
        foreach (var m in alive)
        {
            Signal(m.Pid, 15);
        }

        var deadline = DateTime.UtcNow.AddMilliseconds(ChildStopTimeoutMs);
        while (alive.Any(IsAlive) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        foreach (var m in alive.Where(IsAlive))
        {
            Signal(m.Pid, SigKill);
        }
    }

    private static bool IsAlive(Member m) =>
        TryStat(m.Pid, out _, out ulong start, out char state) && start == m.StartTime && state != 'Z';

    private static bool TryStat(int pid, out int ppid, out ulong startTime) => TryStat(pid, out ppid, out startTime, out _);

    private static bool TryStat(int pid, out int ppid, out ulong startTime, out char state)
    {
        ppid = 0;
        startTime = 0;
        state = '?';
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        // "pid (comm) state ppid ... starttime(22nd field)": comm may hold spaces and parentheses.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var f = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 20)
        {
            return false;
        }

        state = f[0][0];
        return int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ppid)
            && ulong.TryParse(f[19], NumberStyles.None, CultureInfo.InvariantCulture, out startTime);
    }
}
