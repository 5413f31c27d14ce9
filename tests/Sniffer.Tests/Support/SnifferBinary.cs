using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace Sniffer.Tests.Support;

/// <summary>Runs the published native binary (path in SNIFFER_BINARY, set by ./test.sh).</summary>
public static class SnifferBinary
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The shared nDPI corpus beside the checkout (absent on a user's fresh clone).</summary>
    public static string CorpusDir => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "corpus", "ndpi"));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sniffer.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Sniffer.sln not found above the test binaries");
    }

    /// <summary>The binary, or a skip when the suite runs without ./test.sh (plain dotnet test).</summary>
    public static string Binary()
    {
        string? path = Environment.GetEnvironmentVariable("SNIFFER_BINARY");
        Skip.If(string.IsNullOrEmpty(path), "SNIFFER_BINARY is not set: run ./test.sh to publish the native binary and test it");
        Assert.True(File.Exists(path), $"SNIFFER_BINARY={path} does not exist");
        return path!;
    }

    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr);

    public static Result Run(IEnumerable<string> args, byte[]? stdin = null, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(Binary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdoutTask = Task.Run(() =>
        {
            var ms = new MemoryStream();
            p.StandardOutput.BaseStream.CopyTo(ms);
            return ms.ToArray();
        });
        var stderrTask = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
        }

        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill();
            throw new TimeoutException($"sniffer {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }

        return new Result(p.ExitCode, stdoutTask.Result, stderrTask.Result);
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SysKill(int pid, int signal);

    public const int SigInt = 2;
    public const int SigTerm = 15;

    public static void Signal(Process p, int signal) => Assert.Equal(0, SysKill(p.Id, signal));

    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
