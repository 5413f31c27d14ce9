using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Sniffer.Tests.Delivery;

/// <summary>
/// A real rsyslogd (Debian package <c>rsyslog</c>) run by the test in the foreground with its own configuration
/// in a temporary directory: imtcp and imudp on one free loopback port, and two omfile actions — the raw MSG of
/// every message (which must be the JSON record, byte for byte) and its header fields. Stopped by its PID.
/// </summary>
internal sealed class Rsyslog : IDisposable
{
    public const string Daemon = "/usr/sbin/rsyslogd";

    private readonly string _config;
    private readonly string _pidFile;
    private Process? _process;

    public Rsyslog()
    {
        Skip.IfNot(File.Exists(Daemon), $"{Daemon} not installed (Debian package rsyslog)");
        Dir = Directory.CreateTempSubdirectory("sniffer-rsyslog").FullName;
        Port = FreePort();
        _config = Path.Combine(Dir, "rsyslog.conf");
        _pidFile = Path.Combine(Dir, "rsyslogd.pid");
        File.WriteAllText(_config, Config(Dir, Port));
        Start();
    }

    public string Dir { get; }

    public int Port { get; }

    /// <summary>One line per message: its MSG (the JSON record).</summary>
    public string MessagesFile => Path.Combine(Dir, "messages.ndjson");

    /// <summary>One line per message: PRI APP-NAME PROCID MSGID HOSTNAME STRUCTURED-DATA PROTOCOL-VERSION.</summary>
    public string HeadersFile => Path.Combine(Dir, "headers.log");

    public int Pid => _process?.Id ?? 0;

    /// <summary>
    /// The configuration the test uses, also the base suggested in docs/ingest.md: maxMessageSize raised so that
    /// no record is cut, RFC 5424 parsed by the default parser chain, MSG written raw.
    /// </summary>
    public static string Config(string dir, int port) => $$"""
        global(workDirectory="{{dir}}" maxMessageSize="64k")
        module(load="imtcp")
        module(load="imudp")
        input(type="imtcp" address="127.0.0.1" port="{{port}}" ruleset="sniffer")
        input(type="imudp" address="127.0.0.1" port="{{port}}" ruleset="sniffer" rcvbufSize="4m")
        template(name="rawmsg" type="string" string="%msg%\n")
        template(name="header" type="string" string="%pri% %app-name% %procid% %msgid% %hostname% %structured-data% %protocol-version%\n")
        ruleset(name="sniffer") {
          action(type="omfile" file="{{dir}}/messages.ndjson" template="rawmsg")
          action(type="omfile" file="{{dir}}/headers.log" template="header")
        }
        """;

    public void Start()
    {
        File.Delete(_pidFile);
        var psi = new ProcessStartInfo(Daemon, ["-n", "-f", _config, "-i", _pidFile])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 20_000)
        {
            Assert.False(_process.HasExited, $"rsyslogd exited with {(_process.HasExited ? _process.ExitCode : 0)}");
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException("rsyslogd did not start listening");
    }

    /// <summary>Kills this rsyslogd (SIGKILL, by its PID) and waits until it is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public string[] Messages() => File.Exists(MessagesFile) ? File.ReadAllLines(MessagesFile) : [];

    public string[] Headers() => File.Exists(HeadersFile) ? File.ReadAllLines(HeadersFile) : [];

    public bool WaitForMessages(int count, int timeoutMs = 60_000)
    {
        var sw = Stopwatch.StartNew();
        while (Messages().Length < count && sw.ElapsedMilliseconds < timeoutMs)
        {
            Thread.Sleep(50);
        }

        return Messages().Length >= count;
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(Dir, true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A loopback port free for both TCP and UDP (never 3624, the port sniffer watches).</summary>
    private static int FreePort()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            if (port == 3624)
            {
                continue;
            }

            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free loopback port");
    }
}
