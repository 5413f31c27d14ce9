using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.EndToEnd;

/// <summary>
/// Process attribution with the published binary on <c>lo</c>: a real server (Python's http.server) and a real
/// client (curl), named in the records. Each test uses its own free port, so the other live tests (3624) and other
/// loopback traffic do not mix in. Needs root (capture, and reading other processes' descriptors).
/// </summary>
public class ProcessAttributionLiveTests
{
    private const string Python = "/usr/bin/python3";
    private const string Curl = "/usr/bin/curl";
    private const int SigStop = 19;
    private const int SigCont = 18;

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private sealed class Child : IDisposable
    {
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private readonly TaskCompletionSource _marker = new();
        private readonly string? _markerText;

        public Child(string file, IEnumerable<string> args, string? workingDirectory = null, string? waitFor = null)
        {
            _markerText = waitFor;
            var psi = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            Process = Process.Start(psi)!;
            Process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
            Process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public int Pid => Process.Id;

        public Task Marker => _marker.Task;

        public string Stdout
        {
            get
            {
                lock (_stdout)
                {
                    return _stdout.ToString();
                }
            }
        }

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        private void Append(StringBuilder sb, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (sb)
            {
                sb.AppendLine(line);
            }

            if (_markerText is not null && line.Contains(_markerText, StringComparison.Ordinal))
            {
                _marker.TrySetResult();
            }
        }

        /// <summary>Runs to the end (or is killed after <paramref name="timeoutMs"/>); the exit code.</summary>
        public int WaitForExit(int timeoutMs = 60_000)
        {
            if (!Process.WaitForExit(timeoutMs))
            {
                Process.Kill();
            }

            Process.WaitForExit();
            return Process.ExitCode;
        }

        /// <summary>SIGTERM (a graceful stop), then the exit code.</summary>
        public int Stop()
        {
            if (!Process.HasExited)
            {
                SnifferBinary.Signal(Process, SnifferBinary.SigTerm);
            }

            return WaitForExit(15_000);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(); // only this child, by its PID
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }

    private static Child StartSniffer(string binary, params string[] args) =>
        new(binary, ["-i", "lo", .. args], waitFor: "listening on");

    private static async Task WaitUntilListening(int port, Child server)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(server.Process.HasExited, $"the server exited: {server.Stderr}");
            if (File.ReadAllText("/proc/net/tcp").Contains($":{port:X4} 00000000:0000 0A", StringComparison.Ordinal))
            {
                return; // listening; checked in the table so that no probe connection adds a flow
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the server did not start listening");
            await Task.Delay(50);
        }
    }

    /// <summary>Python's http.server on <paramref name="port"/> serving <paramref name="www"/>; curl downloads <paramref name="path"/> once.</summary>
    private static async Task ServeOneDownloadAsync(int port, string www, string path, params string[] curlOptions)
    {
        using var server = new Child(Python, ["-m", "http.server", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1"], www);
        await WaitUntilListening(port, server);
        using (var curl = new Child(Curl, ["-s", "-o", "/dev/null", .. curlOptions, $"http://127.0.0.1:{port}{path}"]))
        {
            Assert.Equal(0, curl.WaitForExit());
        }

        await Task.Delay(700); // let libpcap hand over the last packets
        server.Process.Kill();
        server.Process.WaitForExit();
    }

    /// <summary>The stopped sniffer exited 0; its one <c>flow_end</c> (NDJSON on stdout) for <paramref name="path"/> on port <paramref name="p"/>.</summary>
    private static JsonElement FlowEndOnStdout(Child sniffer, string p, string path)
    {
        Assert.True(sniffer.Process.ExitCode == 0, $"exit {sniffer.Process.ExitCode}: {sniffer.Stderr}");
        return Assert.Single(PipelineRunner.ParseLines(Encoding.UTF8.GetBytes(sniffer.Stdout)).Action("flow_end"),
            r => r.Str("destination.port") == p && r.Str("url.path") == path);
    }

    private static void SkipUnlessRunnable(string binary)
    {
        Skip.IfNot(SnifferBinary.IsRoot, "live capture and process attribution need root");
        Skip.IfNot(File.Exists(Python) && File.Exists(Curl), $"{Python} and {Curl} are needed");
        Assert.True(File.Exists(binary));
    }

    [SkippableFact]
    public async Task PythonServerAndCurlClientAreNamedInTheirFlowRecords()
    {
        string binary = SnifferBinary.Binary();
        SkipUnlessRunnable(binary);
        int port = FreePort();
        string dir = Directory.CreateTempSubdirectory("sniffer-procattr").FullName;
        string output = Path.Combine(dir, "out.ndjson");
        string www = Directory.CreateDirectory(Path.Combine(dir, "www")).FullName;
        // Big enough that a rate-limited curl lives for seconds (the socket buffers cannot hold it all).
        using (var f = File.Create(Path.Combine(www, "big.bin")))
        {
            f.SetLength(16 << 20);
        }

        File.WriteAllText(Path.Combine(www, "small.txt"), "small\n");
        string p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var sniffer = StartSniffer(binary, "--port", p, "-w", output); // attribution is on by default live
        int serverPid, bigCurlPid, smallCurlPid;
        try
        {
            await sniffer.Marker.WaitAsync(TimeSpan.FromSeconds(20));
            using var server = new Child(Python, ["-m", "http.server", p, "--bind", "127.0.0.1"], www);
            serverPid = server.Pid;
            await WaitUntilListening(port, server);

            using (var big = new Child(Curl, ["-s", "-o", "/dev/null", "--limit-rate", "4M", $"http://127.0.0.1:{p}/big.bin"]))
            {
                bigCurlPid = big.Pid;
                Assert.Equal(0, big.WaitForExit());
            }

            using (var small = new Child(Curl, ["-s", "-o", "/dev/null", $"http://127.0.0.1:{p}/small.txt"]))
            {
                smallCurlPid = small.Pid;
                Assert.Equal(0, small.WaitForExit());
            }

            await Task.Delay(700); // let libpcap hand over the last packets
            server.Process.Kill();
            server.Process.WaitForExit();
        }
        finally
        {
            sniffer.Stop();
        }

        Assert.True(sniffer.Process.ExitCode == 0, $"exit {sniffer.Process.ExitCode}: {sniffer.Stderr}");
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(output));
        Schema.SchemaTests.AssertAllValid(records, "live capture with process attribution"); // process.*, observer.*
        JsonElement Flow(string path) => Assert.Single(records.Action("flow_end"),
            r => r.Str("destination.port") == p && r.Str("url.path") == path);

        // The long download: both processes were alive when it was looked up.
        var bigEnd = Flow("/big.bin");
        Assert.Equal(serverPid.ToString(System.Globalization.CultureInfo.InvariantCulture), bigEnd.Str("process.pid"));
        Assert.Equal("python3", bigEnd.Str("process.name"));
        Assert.StartsWith("/usr/bin/python3", bigEnd.Str("process.executable"), StringComparison.Ordinal);
        Assert.Contains("http.server", bigEnd.Str("process.command_line"), StringComparison.Ordinal);
        Assert.Equal("root", bigEnd.Str("process.user.name"));
        Assert.Equal("0", bigEnd.Str("process.user.id"));
        Assert.Equal("found", bigEnd.Str("sniffer.process_lookup.server"));
        Assert.Equal("found", bigEnd.Str("sniffer.process_lookup.client"));
        Assert.Equal(bigCurlPid.ToString(System.Globalization.CultureInfo.InvariantCulture), bigEnd.Str("sniffer.client.process.pid"));
        Assert.Equal("curl", bigEnd.Str("sniffer.client.process.name"));
        Assert.Equal(Curl, bigEnd.Str("sniffer.client.process.executable"));
        Assert.Contains("/big.bin", bigEnd.Str("sniffer.client.process.command_line"), StringComparison.Ordinal);

        // The short request: curl may be gone before its SYN reaches sniffer, the server is named by its listener.
        var smallEnd = Flow("/small.txt");
        Assert.Equal(serverPid.ToString(System.Globalization.CultureInfo.InvariantCulture), smallEnd.Str("process.pid"));
        Assert.Equal("found", smallEnd.Str("sniffer.process_lookup.server"));
        string? client = smallEnd.Str("sniffer.process_lookup.client");
        Assert.Contains(client, new[] { "found", "closed" });
        if (client == "found")
        {
            Assert.Equal(smallCurlPid.ToString(System.Globalization.CultureInfo.InvariantCulture), smallEnd.Str("sniffer.client.process.pid"));
        }

        Assert.Contains("process attribution:", sniffer.Stderr, StringComparison.Ordinal);
        Directory.Delete(dir, true);
    }

    [SkippableFact]
    public async Task AFlowWhoseProcessesExitedBeforeSnifferLookedSaysClosed()
    {
        string binary = SnifferBinary.Binary();
        SkipUnlessRunnable(binary);
        int port = FreePort();
        string p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string dir = Directory.CreateTempSubdirectory("sniffer-procattr").FullName;
        string output = Path.Combine(dir, "out.ndjson");
        using var sniffer = StartSniffer(binary, "--port", p, "-w", output);
        try
        {
            await sniffer.Marker.WaitAsync(TimeSpan.FromSeconds(20));
            // Freeze sniffer (libpcap's ring keeps the packets), let a whole conversation happen and its process
            // exit, then let sniffer go on: when it looks, nothing of the flow is left.
            SnifferBinary.Signal(sniffer.Process, SigStop);
            try
            {
                using var oneShot = new Child(Python, ["-c",
                    "import socket,sys; p=int(sys.argv[1]); s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); " +
                    "s.bind(('127.0.0.1',p)); s.listen(); c=socket.create_connection(('127.0.0.1',p)); a,_=s.accept(); " +
                    "c.sendall(b'HELLO\\r\\n'); a.recv(16); a.sendall(b'BYE\\r\\n'); c.recv(16); c.close(); a.close(); s.close()", p]);
                Assert.Equal(0, oneShot.WaitForExit());
            }
            finally
            {
                SnifferBinary.Signal(sniffer.Process, SigCont);
            }

            await Task.Delay(700);
        }
        finally
        {
            sniffer.Stop();
        }

        Assert.True(sniffer.Process.ExitCode == 0, $"exit {sniffer.Process.ExitCode}: {sniffer.Stderr}");
        var end = Assert.Single(PipelineRunner.ParseLines(File.ReadAllBytes(output)).Action("flow_end"), r => r.Str("destination.port") == p);
        Assert.Equal("closed", end.Str("sniffer.process_lookup.server"));
        Assert.Equal("closed", end.Str("sniffer.process_lookup.client"));
        Assert.Null(end.Get("process"));
        Assert.Null(end.Get("sniffer.client"));
        Directory.Delete(dir, true);
    }

    [SkippableFact]
    public async Task AfterDroppingRootOtherUsersProcessesSayDenied()
    {
        string binary = SnifferBinary.Binary();
        SkipUnlessRunnable(binary);
        Skip.IfNot(File.ReadAllText("/etc/passwd").Contains("\nnobody:", StringComparison.Ordinal), "no user nobody to drop to");
        int port = FreePort();
        string p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string www = Directory.CreateTempSubdirectory("sniffer-procattr").FullName;
        File.WriteAllText(Path.Combine(www, "small.txt"), "small\n");
        using var sniffer = StartSniffer(binary, "--port", p, "--user", "nobody"); // NDJSON on stdout
        try
        {
            await sniffer.Marker.WaitAsync(TimeSpan.FromSeconds(20));
            await ServeOneDownloadAsync(port, www, "/small.txt");
        }
        finally
        {
            sniffer.Stop();
        }

        var end = FlowEndOnStdout(sniffer, p, "/small.txt");
        Assert.Equal("denied", end.Str("sniffer.process_lookup.server")); // python runs as root, sniffer as nobody
        Assert.Contains(end.Str("sniffer.process_lookup.client"), new[] { "denied", "closed" });
        Assert.Null(end.Get("process"));
        Assert.Contains("unreadable", sniffer.Stderr, StringComparison.Ordinal);
        Directory.Delete(www, true);
    }

    private static readonly string[] Outcomes = ["found", "closed", "exited", "not_found", "denied", "not_local", "pending", "dropped"];

    [SkippableFact]
    public void FilesAreNotAttributedUnlessAskedAndHelpSaysHow()
    {
        string sample = Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.pcap");
        var off = SnifferBinary.Run(["-r", sample, "-q"]);
        Assert.Equal(0, off.ExitCode);
        Assert.All(PipelineRunner.ParseLines(off.Stdout), r => Assert.Null(r.Get("sniffer.process_lookup")));

        // Asked for: the capture's endpoints are 127.0.0.1 (local), so each record says what the look-up found
        // now (whatever listens on 3624 on this machine at this moment, so only the shape is checked).
        var on = SnifferBinary.Run(["-r", sample, "--process", "--records", "flow_end"]);
        Assert.Equal(0, on.ExitCode);
        var records = PipelineRunner.ParseLines(on.Stdout);
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Contains(r.Str("sniffer.process_lookup.server"), Outcomes));
        Assert.All(records, r => Assert.Contains(r.Str("sniffer.process_lookup.client"), Outcomes));
        Assert.Contains("process attribution: 3 flows looked up", on.Stderr, StringComparison.Ordinal);

        string help = Encoding.UTF8.GetString(SnifferBinary.Run(["--help"]).Stdout);
        Assert.Contains("--process", help, StringComparison.Ordinal);
        Assert.Contains("--no-process", help, StringComparison.Ordinal);
        Assert.Contains("CAP_SYS_PTRACE", help, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task NoProcessTurnsLiveAttributionOff()
    {
        string binary = SnifferBinary.Binary();
        SkipUnlessRunnable(binary);
        int port = FreePort();
        string p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var sniffer = StartSniffer(binary, "--port", p, "--no-process");
        try
        {
            await sniffer.Marker.WaitAsync(TimeSpan.FromSeconds(20));
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            using (var client = new TcpClient())
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                using var accepted = await listener.AcceptTcpClientAsync();
                await client.GetStream().WriteAsync("HELLO\r\n"u8.ToArray());
            }

            listener.Stop();
            await Task.Delay(700);
        }
        finally
        {
            sniffer.Stop();
        }

        Assert.True(sniffer.Process.ExitCode == 0, $"exit {sniffer.Process.ExitCode}: {sniffer.Stderr}");
        var records = PipelineRunner.ParseLines(Encoding.UTF8.GetBytes(sniffer.Stdout)).Where(r => r.Str("destination.port") == p).ToList();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Null(r.Get("sniffer.process_lookup")));
        Assert.DoesNotContain("process attribution", sniffer.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task TheDocumentedCapabilitiesAreEnoughWithoutRoot()
    {
        string binary = SnifferBinary.Binary();
        SkipUnlessRunnable(binary);
        Skip.IfNot(File.Exists("/usr/sbin/setcap") && File.Exists("/usr/bin/setpriv"), "setcap (libcap2-bin) and setpriv (util-linux) are needed");
        Skip.IfNot(File.ReadAllText("/etc/passwd").Contains("\nnobody:", StringComparison.Ordinal), "no user nobody");
        string dir = Directory.CreateTempSubdirectory("sniffer-caps").FullName;
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101); // 0755: nobody must reach the copy
        string copy = Path.Combine(dir, "sniffer");
        File.Copy(binary, copy);
        File.SetUnixFileMode(copy, (UnixFileMode)0b111_101_101);
        using (var setcap = new Child("/usr/sbin/setcap", ["cap_net_raw,cap_net_admin,cap_sys_ptrace,cap_dac_read_search=eip", copy]))
        {
            Skip.If(setcap.WaitForExit() != 0, $"file capabilities are not supported here: {setcap.Stderr}");
        }

        int port = FreePort();
        string p = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string www = Directory.CreateDirectory(Path.Combine(dir, "www")).FullName;
        using (var f = File.Create(Path.Combine(www, "big.bin")))
        {
            f.SetLength(16 << 20);
        }

        // As nobody, with only the capabilities README and --help name: root's python and curl must be named.
        using var sniffer = new Child("/usr/bin/setpriv", ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", copy, "-i", "lo", "--port", p], waitFor: "listening on");
        try
        {
            await sniffer.Marker.WaitAsync(TimeSpan.FromSeconds(20));
            await ServeOneDownloadAsync(port, www, "/big.bin", "--limit-rate", "4M");
        }
        finally
        {
            sniffer.Stop();
        }

        var end = FlowEndOnStdout(sniffer, p, "/big.bin");
        Assert.Equal("found", end.Str("sniffer.process_lookup.server"));
        Assert.Equal("python3", end.Str("process.name"));
        Assert.Equal("root", end.Str("process.user.name"));
        Assert.Equal("curl", end.Str("sniffer.client.process.name"));
        Directory.Delete(dir, true);
    }
}
