using System.Runtime.InteropServices;

namespace Sniffer.Cli;

/// <summary>Whether a standard stream is a terminal (a pty counts), asked of libc's isatty(3).</summary>
internal static partial class Terminal
{
    public const int StandardOutput = 1;
    public const int StandardError = 2;

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    public static bool IsTerminal(int fd)
    {
        try
        {
            return IsATty(fd) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
