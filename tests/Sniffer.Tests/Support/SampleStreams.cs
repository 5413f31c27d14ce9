using Sniffer.Capture;
using Sniffer.Decoding;

namespace Sniffer.Tests.Support;

/// <summary>
/// The byte streams of the real conversations in samples/port3624.pcap (curl → python http.server, curl →
/// openssl s_server, OpenSSH → sshd, all recorded on 127.0.0.1:3624): fixtures from real traffic.
/// </summary>
public static class SampleStreams
{
    private static readonly Lazy<Dictionary<ushort, (byte[] Client, byte[] Server)>> Streams = new(Load);

    public static (byte[] Client, byte[] Server) Http => ByProtocol("GET "u8);
    public static (byte[] Client, byte[] Server) Tls => ByProtocol([0x16, 0x03]);
    public static (byte[] Client, byte[] Server) Ssh => ByProtocol("SSH-"u8);

    private static (byte[] Client, byte[] Server) ByProtocol(ReadOnlySpan<byte> clientStart)
    {
        foreach (var (client, server) in Streams.Value.Values)
        {
            if (client.AsSpan().StartsWith(clientStart))
            {
                return (client, server);
            }
        }

        throw new InvalidOperationException("sample conversation not found");
    }

    private static Dictionary<ushort, (byte[], byte[])> Load()
    {
        var sink = new CollectingSink();
        using var reader = new CaptureFileReader("sample", File.OpenRead(Path.Combine(SnifferBinary.RepoRoot, "samples", "port3624.pcap")));
        reader.Run(sink, CancellationToken.None);
        var client = new Dictionary<ushort, MemoryStream>();
        var server = new Dictionary<ushort, MemoryStream>();
        var anomalies = new AnomalyCounters();
        foreach (var (linkType, _, data, _) in sink.Packets)
        {
            var p = default(DecodedPacket);
            if (PacketDecoder.Decode(linkType, data, ref p, anomalies) != DecodeStatus.Ok || p.PayloadLength == 0)
            {
                continue;
            }

            // Loopback recording: segments are in order and not retransmitted.
            bool toServer = p.DestinationPort == 3624;
            ushort key = toServer ? p.SourcePort : p.DestinationPort;
            var map = toServer ? client : server;
            if (!map.TryGetValue(key, out var ms))
            {
                map[key] = ms = new MemoryStream();
            }

            ms.Write(data, p.PayloadOffset, p.PayloadLength);
        }

        return client.ToDictionary(kv => kv.Key, kv => (kv.Value.ToArray(), server.TryGetValue(kv.Key, out var s) ? s.ToArray() : []));
    }
}
