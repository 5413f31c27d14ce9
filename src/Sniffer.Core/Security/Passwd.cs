using System.Runtime.InteropServices;

namespace Sniffer.Security;

/// <summary>glibc's <c>struct passwd</c> (pwd.h), as getpwnam(3) and getpwuid_r(3) fill it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Passwd
{
    public nint Name;
    public nint Password;
    public uint Uid;
    public uint Gid;
    public nint Gecos;
    public nint Dir;
    public nint Shell;
}
