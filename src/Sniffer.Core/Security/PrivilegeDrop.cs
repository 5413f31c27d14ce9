using System.Runtime.InteropServices;
using Sniffer.Capture;

namespace Sniffer.Security;

/// <summary>
/// Drops root for good after the capture is open (like <c>tcpdump -Z</c>): supplementary groups, then group,
/// then user, through libc. Refuses to continue when any step fails or root can be regained.
/// </summary>
public static partial class PrivilegeDrop
{
    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "initgroups", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int InitGroups(string user, uint group);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEgid();

    public static uint EffectiveUserId => GetEuid();

    /// <summary>Becomes <paramref name="user"/> (and its groups) permanently, or throws a one-line error.</summary>
    public static void To(string user)
    {
        nint pw = GetPwNam(user);
        if (pw == 0)
        {
            throw new CaptureException($"--user {user}: no such user");
        }

        var entry = Marshal.PtrToStructure<Passwd>(pw);
        if (InitGroups(user, entry.Gid) != 0)
        {
            throw Failed(user, "initgroups");
        }

        if (SetGid(entry.Gid) != 0)
        {
            throw Failed(user, "setgid");
        }

        if (SetUid(entry.Uid) != 0)
        {
            throw Failed(user, "setuid");
        }

        // The drop must be permanent: getting root back has to fail now.
        if (entry.Uid != 0 && (SetUid(0) == 0 || GetEuid() != entry.Uid || GetEgid() != entry.Gid))
        {
            throw new CaptureException($"--user {user}: privileges could be regained after the drop; refusing to continue");
        }
    }

    private static CaptureException Failed(string user, string step) =>
        new($"--user {user}: {step} failed ({Marshal.GetLastPInvokeErrorMessage()}); refusing to continue as root");
}
