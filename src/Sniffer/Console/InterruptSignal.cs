using System.Runtime.InteropServices;

namespace Sniffer.Cli;

/// <summary>
/// Makes SIGINT stop the sniffer even when it was started with SIGINT ignored — what a non-interactive shell does
/// to a command it runs in the background (<c>sniffer … &amp;</c> in a script). The .NET runtime keeps an inherited
/// SIG_IGN for SIGINT (its handler is then never installed), so Ctrl-C and <c>kill -INT</c> would be lost;
/// tcpdump likewise installs its SIGINT handler unconditionally. Must run before the runtime's signal handling is
/// first initialised (the first console write or signal registration).
/// </summary>
internal static partial class InterruptSignal
{
    private const int SigInt = 2;
    private static readonly nint SigDfl = 0;

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    public static void RestoreDefault()
    {
        try
        {
            Signal(SigInt, SigDfl);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc to ask: nothing inherited to undo either.
        }
    }
}
