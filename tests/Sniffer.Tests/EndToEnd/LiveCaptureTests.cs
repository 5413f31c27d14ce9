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
    [SkippableFact]
    public async Task HttpOnLoopbackPort3624IsIdentifiedLive()
    {
        string binary = SnifferBinary.Binary();
        Skip.IfNot(SnifferBinary.IsRoot, "live capture needs root (CAP_NET_RAW)");

        string dir = Directory.CreateTempSubdirectory("sniffer-live").FullName;
        string output = Path.Combine(dir, "live.ndjson");
        var psi = new ProcessStartInfo(binary, ["-i", "lo", "-w", output]) { RedirectStandardError = true, UseShellExecute = false };
        using var sniffer = Process.Start(psi)!;
        var stderr = new StringBuilder();
        var listening = new TaskCompletionSource();
        sniffer.ErrorDataReceived += (_, e) =>
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
        sniffer.BeginErrorReadLine();
        try
        {
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(20));

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
                string text = await client.GetStringAsync("http://127.0.0.1:3624/probe");
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
        }

        Assert.True(sniffer.ExitCode == 0, $"exit {sniffer.ExitCode}: {stderr}");
        var records = PipelineRunner.ParseLines(File.ReadAllBytes(output));
        var end = Assert.Single(records.Action("flow_end"), r => r.Str("destination.port") == "3624");
        Assert.Equal("http", end.Str("network.protocol"));
        Assert.Equal("127.0.0.1", end.Str("destination.ip"));
        Assert.Equal("sniffer-live-test/1.0", end.Str("user_agent.original"));
        Assert.Equal("/probe", end.Str("url.path"));
        Assert.Equal("200", end.Str("http.response.status_code"));
        Assert.Contains(end.Str("sniffer.end_reason"), new[] { "fin", "shutdown" });
        Assert.Contains("libpcap:", stderr.ToString());
        Directory.Delete(dir, true);
    }
}
