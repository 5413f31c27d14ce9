using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sniffer.Tests.Support;
using Xunit;

namespace Sniffer.Tests.EndToEnd;

/// <summary>
/// Live capture on the loopback interface with the published binary: a real HTTP server (a TCP listener on
/// 127.0.0.1:3624 answering like a web server) and a real HTTP client (.NET HttpClient) talk while sniffer
/// captures; SIGINT stops it, and the flow_end record must say http. Loopback only. Needs root (CAP_NET_RAW).
/// </summary>
public class LiveCaptureTests
{
    /// <summary>
    /// A VXLAN-mirrored flow (as AWS VPC Traffic Mirroring delivers it) sent over loopback to UDP 4789: with the
    /// default command line the kernel filter lets the carrier through and the inner port 3624 is found.
    /// </summary>
    [SkippableFact]
    public async Task VxlanMirroredFlowToInnerPort3624IsFoundLive()
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "live capture needs root (CAP_NET_RAW)");
        string dir = Directory.CreateTempSubdirectory("sniffer-vxlan").FullName;
        string output = Path.Combine(dir, "live.ndjson");
        var (sniffer, stderr, listening) = Start(binary, ["-i", "lo", "-w", output]);
        try
        {
            await listening.WaitAsync(TimeSpan.FromSeconds(20));
            using var udp = new UdpClient();
            var target = new IPEndPoint(IPAddress.Loopback, 4789);
            byte[] Vxlan(byte[] inner) => [0x08, 0, 0, 0, 0, 0x30, 0x39, 0, .. inner]; // VNI 12345
            var c = new TcpConversation("172.31.5.10", 41000, "172.31.5.20", 3624).Handshake()
                .ClientData("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"u8).ServerData("SSH-2.0-OpenSSH_8.9\r\n"u8).Close();
            foreach (var f in c.Frames)
            {
                await udp.SendAsync(Vxlan(f.Data), target);
            }

            await Task.Delay(700);
        }
        finally
        {
            SnifferBinary.Signal(sniffer, SnifferBinary.SigInt);
            if (!sniffer.WaitForExit(10_000))
            {
                sniffer.Kill();
            }

            sniffer.WaitForExit(); // also waits until the redirected stderr is fully read
        }

        Assert.True(sniffer.ExitCode == 0, $"exit {sniffer.ExitCode}: {stderr}");
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(output));
        // Other loopback traffic may be captured too: look only at the mirrored flow.
        var end = Assert.Single(records.Action("flow_end"), r => r.Str("destination.ip") == "172.31.5.20");
        Assert.Equal("3624", end.Str("destination.port"));
        Assert.Equal("vxlan", end.Str("sniffer.tunnel.type"));
        Assert.Equal("12345", end.Str("sniffer.tunnel.id"));
        Assert.Equal("ssh", end.Str("network.protocol"));
        Directory.Delete(dir, true);
        sniffer.Dispose();
    }

    private static (Process Process, StringBuilder Stderr, Task Listening) Start(string binary, string[] args)
    {
        var psi = new ProcessStartInfo(binary, args) { RedirectStandardError = true, UseShellExecute = false };
        var process = Process.Start(psi)!;
        var stderr = new StringBuilder();
        var listening = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }

            if (e.Data.Contains("listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        return (process, stderr, listening.Task);
    }

    /// <summary>On lo (Ethernet framing) and on <c>any</c> (Linux cooked framing, where the kernel filter has no vlan term).</summary>
    [SkippableTheory]
    [InlineData("lo")]
    [InlineData("any")]
    public async Task HttpOnLoopbackPort3624IsIdentifiedLive(string device)
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "live capture needs root (CAP_NET_RAW)");
        string probe = "/probe-" + device;

        string dir = Directory.CreateTempSubdirectory("sniffer-live").FullName;
        string output = Path.Combine(dir, "live.ndjson");
        var (sniffer, stderr, listening) = Start(binary, ["-i", device, "-w", output]);
        try
        {
            await listening.WaitAsync(TimeSpan.FromSeconds(20));

            using var listener = new TcpListener(IPAddress.Loopback, 3624);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            var server = Task.Run(async () =>
            {
                using var conn = await listener.AcceptTcpClientAsync();
                var stream = conn.GetStream();
                var buf = new byte[4096];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await stream.ReadAsync(buf);
                    if (n == 0)
                    {
                        break;
                    }

                    request.Append(Encoding.ASCII.GetString(buf, 0, n));
                }

                byte[] body = "hello from 3624\n"u8.ToArray();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nServer: TestServer/1.2\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
                await stream.WriteAsync(body);
            });

            using (var client = new HttpClient())
            {
                client.DefaultRequestHeaders.UserAgent.ParseAdd("sniffer-live-test/1.0");
                string text = await client.GetStringAsync("http://127.0.0.1:3624" + probe);
                Assert.Equal("hello from 3624\n", text);
            }

            await server;
            listener.Stop();
            await Task.Delay(700); // let libpcap hand over the last packets (read timeout 100 ms)
        }
        finally
        {
            SnifferBinary.Signal(sniffer, SnifferBinary.SigInt);
            if (!sniffer.WaitForExit(10_000))
            {
                sniffer.Kill();
            }

            sniffer.WaitForExit(); // also waits until the redirected stderr is fully read
        }

        Assert.True(sniffer.ExitCode == 0, $"exit {sniffer.ExitCode}: {stderr}");
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(output));
        // Other loopback traffic on 3624 may be captured too: look only at this test's request.
        var end = Assert.Single(records.Action("flow_end"), r => r.Str("destination.port") == "3624" && r.Str("url.path") == probe);
        Assert.Equal("http", end.Str("network.protocol"));
        Assert.Equal("127.0.0.1", end.Str("destination.ip"));
        Assert.Equal("sniffer-live-test/1.0", end.Str("user_agent.original"));
        Assert.Equal(probe, end.Str("url.path"));
        Assert.Equal("200", end.Str("http.response.status_code"));
        Assert.Contains(end.Str("sniffer.end_reason"), new[] { "fin", "shutdown" });
        Assert.Contains("libpcap:", stderr.ToString());
        Directory.Delete(dir, true);
    }
}
