using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Sniffer.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Sniffer.Tests.RealPrograms;

/// <summary>
/// One real-program test: a temp directory holding everything (configs, keys, pid files, data), the published
/// sniffer capturing live on lo, the real servers it starts on 127.0.0.1:3624 and the real clients it runs.
/// <see cref="FinishAsync"/> stops the servers and the sniffer (SIGTERM) and returns this test's flow_end records.
/// Dispose stops whatever is left, always by PID.
/// </summary>
public sealed class RealProgramSession : IDisposable
{
    public const int Port = 3624;
    public const string Address = "127.0.0.1";
    /// <summary>How long the sniffer may take to open lo.</summary>
    public static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(20);
    /// <summary>How long a client may run.</summary>
    public const int ClientTimeoutMs = 30_000;
    /// <summary>Grace after the last client before stopping the capture: libpcap hands packets over in 100 ms batches.</summary>
    public const int CaptureDrainMs = 600;

    private readonly ITestOutputHelper _output;
    private readonly List<ServerProcess> _servers = [];
    private readonly StringBuilder _snifferStderr = new();
    private readonly string _ndjson;
    private Process? _sniffer;
    private bool _finished;

    private RealProgramSession(ITestOutputHelper output, string name)
    {
        _output = output;
        Dir = Directory.CreateTempSubdirectory($"sniffer-real-{name}-").FullName;
        // Servers that drop privileges must reach their own subdirectories.
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        Home = Path.Combine(Dir, "home");
        Directory.CreateDirectory(Home);
        _ndjson = Path.Combine(Dir, "live.ndjson");
    }

    /// <summary>This test's private directory (mode 0755, removed at the end).</summary>
    public string Dir { get; }

    /// <summary>HOME for the clients, so none reads or writes the real user's dot files.</summary>
    public string Home { get; }

    /// <summary>
    /// Checks the preconditions (the published binary, root), then starts the sniffer on lo and waits until it
    /// captures. The tools are the programs the test uses (found with <see cref="Tool.Require"/>): they are logged.
    /// </summary>
    public static async Task<RealProgramSession> StartAsync(ITestOutputHelper output, string name, params Tool[] found)
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "real servers on lo and live capture need root (CAP_NET_RAW, privilege drop)");
        var session = new RealProgramSession(output, name);
        try
        {
            foreach (var tool in found)
            {
                output.WriteLine($"program: {tool}");
            }

            await session.StartSnifferAsync(binary);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private async Task StartSnifferAsync(string binary)
    {
        var psi = new ProcessStartInfo(binary, ["-i", "lo", "-w", _ndjson, "--records", "flow_end"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var listening = new TaskCompletionSource();
        _sniffer = Process.Start(psi)!;
        _sniffer.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_snifferStderr)
            {
                _snifferStderr.AppendLine(e.Data);
            }

            if (e.Data.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        _sniffer.BeginErrorReadLine();
        var done = await Task.WhenAny(listening.Task, Task.Delay(ListenTimeout));
        Assert.True(done == listening.Task, $"sniffer did not start capturing within {ListenTimeout.TotalSeconds} s:\n{SnifferStderr}");
    }

    private string SnifferStderr
    {
        get
        {
            lock (_snifferStderr)
            {
                return _snifferStderr.ToString();
            }
        }
    }

    /// <summary>A path inside <see cref="Dir"/>.</summary>
    public string PathOf(params string[] parts) => Path.Combine([Dir, .. parts]);

    /// <summary>Creates a subdirectory (owned by <paramref name="owner"/> when given).</summary>
    public string MakeDir(string name, string? owner = null)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(path);
        if (owner is not null)
        {
            Chown(owner, path);
        }

        return path;
    }

    /// <summary>Writes a file inside <see cref="Dir"/> and returns its path.</summary>
    public string WriteFile(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>chown -R owner: (the user's login group) on paths inside <see cref="Dir"/>.</summary>
    public void Chown(string owner, params string[] paths)
    {
        foreach (var p in paths)
        {
            Assert.StartsWith(Dir, Path.GetFullPath(p), StringComparison.Ordinal);
        }

        RunProcess("chown", ["-R", $"{owner}:", .. paths], null, ClientTimeoutMs, check: true, env: null);
    }

    /// <summary>
    /// Starts a server (as <paramref name="runAs"/> when given) and waits until it has bound 127.0.0.1:3624 (or a
    /// helper server's <paramref name="port"/>) over the transports named.
    /// </summary>
    public async Task<ServerProcess> StartServerAsync(Tool tool, IEnumerable<string> args, bool tcp = true, bool udp = false,
        string? runAs = null, IReadOnlyDictionary<string, string>? env = null, int port = Port)
    {
        await ServerProcess.WaitPortFreeAsync(port);
        var server = ServerProcess.Start(tool, args, runAs, env, Dir);
        _servers.Add(server);
        _output.WriteLine($"server: {tool.Name} pid {server.Pid} on {Address}:{port}");
        await server.WaitReadyAsync(port, tcp, udp);
        return server;
    }

    public sealed record ClientResult(int ExitCode, string Stdout, string Stderr);

    /// <summary>
    /// Runs a client (or a setup program) to completion, as <paramref name="runAs"/> when given, with HOME =
    /// <see cref="Home"/>; fails on a non-zero exit unless told not to check.
    /// </summary>
    public ClientResult Run(Tool tool, IEnumerable<string> args, string? stdin = null, bool check = true,
        IReadOnlyDictionary<string, string>? env = null, int timeoutMs = ClientTimeoutMs, string? runAs = null)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal) { ["HOME"] = Home };
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            merged[k] = v;
        }

        var argList = args.ToList();
        var result = runAs is null
            ? RunProcess(tool.Path, argList, stdin, timeoutMs, check, merged)
            : RunProcess("setpriv", [$"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--", tool.Path, .. argList],
                stdin, timeoutMs, check, merged);
        _output.WriteLine($"client: {tool.Name} {string.Join(' ', argList)} → exit {result.ExitCode}");
        return result;
    }

    private ClientResult RunProcess(string file, IEnumerable<string> args, string? stdin, int timeoutMs, bool check,
        IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Dir,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutMs))
        {
            var children = ProcessTree.Descendants(p.Id);
            p.Kill();
            ProcessTree.StopAll(children);
            Assert.Fail($"{file} {string.Join(' ', psi.ArgumentList)} did not finish within {timeoutMs} ms");
        }

        p.WaitForExit();
        var result = new ClientResult(p.ExitCode, stdout.Result, stderr.Result);
        if (check)
        {
            Assert.True(result.ExitCode == 0,
                $"{file} {string.Join(' ', psi.ArgumentList)} exited {result.ExitCode}:\n{result.Stdout}\n{result.Stderr}\n{ServerLogs()}");
        }

        return result;
    }

    private string ServerLogs() => string.Join('\n', _servers.Select(s => $"--- {s.Name} (pid {s.Pid}) ---\n{s.Log}"));

    /// <summary>
    /// Stops every server (by PID), lets the capture drain, stops the sniffer with SIGTERM and returns the flow_end
    /// records of this test's flows: to 127.0.0.1:3624 over <paramref name="transport"/> (`tcp`, `udp` or null for
    /// both), started while this test's server held the port. Other tests on the machine may use 127.0.0.1:3624
    /// before and after (the capture sees all of lo). Each record is written to the test output.
    /// </summary>
    public async Task<List<JsonElement>> FinishAsync(string? transport = null)
    {
        Assert.NotEmpty(_servers);
        DateTime from = _servers.Min(s => s.ReadyAt) - WindowSlack;
        for (int i = _servers.Count - 1; i >= 0; i--)
        {
            _servers[i].Stop(); // the last started first: clients of the earlier ones (ssh -D of sshd) go first
        }

        DateTime to = _servers.Max(s => s.StoppingAt) + WindowSlack;
        await Task.Delay(CaptureDrainMs);
        StopSniffer();
        _finished = true;
        Assert.True(_sniffer!.ExitCode == 0, $"sniffer exited {_sniffer.ExitCode}:\n{SnifferStderr}");
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(_ndjson));
        var toPort = records.Action("flow_end")
            .Where(r => r.Str("destination.ip") == Address && r.Str("destination.port") == "3624")
            .Where(r => transport is null || r.Str("network.transport") == transport)
            .ToList();
        var mine = new List<JsonElement>();
        foreach (var r in toPort)
        {
            if (r.Get("sniffer.midstream")?.ValueKind != JsonValueKind.True && Started(r) is DateTime start && start >= from && start <= to)
            {
                mine.Add(r);
                _output.WriteLine($"record: {r.GetRawText()}");
            }
            else
            {
                _output.WriteLine($"ignored (not started while this test's server held the port): {r.GetRawText()}");
            }
        }

        return mine;
    }

    /// <summary>Slack around the window a server held the port (packet and test clocks are the same clock).</summary>
    private static readonly TimeSpan WindowSlack = TimeSpan.FromMilliseconds(50);

    /// <summary>event.start (RFC 3339 UTC, up to nanoseconds) as a UTC DateTime (to 100 ns).</summary>
    private static DateTime? Started(JsonElement record)
    {
        string? text = record.Str("event.start");
        if (text is null || !text.EndsWith('Z'))
        {
            return null;
        }

        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0 && text.Length - 1 - (dot + 1) > 7)
        {
            text = string.Concat(text.AsSpan(0, dot + 8), "Z"); // DateTime keeps 7 fractional digits
        }

        return DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : null;
    }

    private void StopSniffer()
    {
        if (_sniffer is null || _sniffer.HasExited)
        {
            _sniffer?.WaitForExit();
            return;
        }

        SnifferBinary.Signal(_sniffer, SnifferBinary.SigTerm);
        if (!_sniffer.WaitForExit(10_000))
        {
            _sniffer.Kill();
        }

        _sniffer.WaitForExit(); // also waits until the redirected stderr is fully read
    }

    public void Dispose()
    {
        for (int i = _servers.Count - 1; i >= 0; i--)
        {
            _servers[i].Dispose();
        }

        if (!_finished)
        {
            StopSniffer();
        }

        _sniffer?.Dispose();
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _output.WriteLine($"could not remove {Dir}: {e.Message}");
        }
    }
}
