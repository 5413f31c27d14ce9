using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.RealPrograms;

/// <summary>
/// A real server started in the foreground with its own arguments (never through a service manager), its output
/// kept for diagnostics. Ready when the process itself holds a socket bound to 127.0.0.1:3624 (read from
/// /proc/net and the process's fd table, so readiness costs no connection that the capture would see). Stopped by
/// its PID: SIGTERM, then SIGKILL after a bound, and any process it forked is stopped by PID the same way.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    /// <summary>How long a server may take to bind its port.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    /// <summary>How long a server may take to exit after SIGTERM before it is killed.</summary>
    public const int StopTimeoutMs = 10_000;

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _stopped;

    private ServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>When the server was seen holding its port (UTC).</summary>
    public DateTime ReadyAt { get; private set; }

    /// <summary>When the server was told to stop (UTC); <see cref="DateTime.MaxValue"/> until then.</summary>
    public DateTime StoppingAt { get; private set; } = DateTime.MaxValue;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    internal static ServerProcess Start(Tool tool, IEnumerable<string> args, string? runAs, IReadOnlyDictionary<string, string>? env, string workDir)
    {
        ProcessStartInfo psi;
        if (runAs is null)
        {
            psi = new ProcessStartInfo(tool.Path);
        }
        else
        {
            // setpriv execs the server: the PID we hold is the server's own (runuser would stay in between).
            psi = new ProcessStartInfo("setpriv");
            foreach (var a in new[] { $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--", tool.Path })
            {
                psi.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = true;
        psi.WorkingDirectory = workDir;
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        var server = new ServerProcess(tool.Name, process);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    /// <summary>Waits until this process holds a socket bound to 127.0.0.1:<paramref name="port"/> for each transport.</summary>
    internal async Task WaitReadyAsync(int port, bool tcp, bool udp)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            Assert.False(_process.HasExited, $"{Name} exited with {SafeExitCode()} before binding 127.0.0.1:{port}:\n{Log}");
            var inodes = SocketInodes(_process.Id);
            bool tcpReady = !tcp || BoundInodes("/proc/net/tcp", port, listenOnly: true).Overlaps(inodes);
            bool udpReady = !udp || BoundInodes("/proc/net/udp", port, listenOnly: false).Overlaps(inodes);
            if (tcpReady && udpReady)
            {
                ReadyAt = DateTime.UtcNow;
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{Name} did not bind 127.0.0.1:{port} ({(tcp ? "tcp " : "")}{(udp ? "udp" : "")}) within {ReadyTimeout.TotalSeconds} s:\n{Log}");
            await Task.Delay(50);
        }
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    /// <summary>
    /// Waits (bounded by <see cref="ReadyTimeout"/>) until no socket on this machine is bound to the port — other
    /// tests (another checkout's too) may briefly hold it — so that a server's bind failure means a real problem.
    /// </summary>
    internal static async Task WaitPortFreeAsync(int port)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (PortHolders(port) is { Length: > 0 } holders)
        {
            Assert.True(DateTime.UtcNow < deadline, $"port {port} stayed in use for {ReadyTimeout.TotalSeconds} s: {holders}");
            await Task.Delay(100);
        }
    }

    /// <summary>Listening TCP and bound UDP sockets on the port, any address (empty when none).</summary>
    private static string PortHolders(int port)
    {
        string suffix = $":{port:X4}";
        var found = new List<string>();
        foreach (var (table, listenOnly) in new[] { ("tcp", true), ("tcp6", true), ("udp", false), ("udp6", false) })
        {
            string path = $"/proc/net/{table}";
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadLines(path).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[1].EndsWith(suffix, StringComparison.Ordinal) && (!listenOnly || f[3] == "0A"))
                {
                    found.Add($"{table} {f[1]}");
                }
            }
        }

        return string.Join(", ", found);
    }

    /// <summary>Socket inodes of 127.0.0.1:port in a /proc/net table (TCP: listening sockets only).</summary>
    private static HashSet<string> BoundInodes(string table, int port, bool listenOnly)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        string local = $"0100007F:{port:X4}";
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 9 && f[1] == local && (!listenOnly || f[3] == "0A"))
            {
                result.Add(f[9]);
            }
        }

        return result;
    }

    private static HashSet<string> SocketInodes(int pid)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                try
                {
                    string? target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        result.Add(target[8..^1]);
                    }
                }
                catch (IOException)
                {
                    // The fd closed while we looked.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process is gone: the caller sees HasExited next time.
        }

        return result;
    }

    /// <summary>Stops the server by its PID (SIGTERM, SIGKILL after <see cref="StopTimeoutMs"/>), then whatever it forked.</summary>
    public void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        StoppingAt = DateTime.UtcNow;
        var children = ProcessTree.Descendants(_process.Id);
        if (!_process.HasExited)
        {
            ProcessTree.Signal(_process.Id, SnifferBinary.SigTerm);
            if (!_process.WaitForExit(StopTimeoutMs))
            {
                ProcessTree.Signal(_process.Id, ProcessTree.SigKill);
            }
        }

        _process.WaitForExit();
        ProcessTree.StopAll(children);
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
    }
}
