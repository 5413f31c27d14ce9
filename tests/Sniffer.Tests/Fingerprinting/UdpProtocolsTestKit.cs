using System.Text;
using System.Text.Json;
using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>Shared checks for the DNS/SNMP/syslog/NTP/TFTP/NetBIOS/Kerberos/STUN/CoAP fingerprinter tests.</summary>
internal static class UdpProtocolsTestKit
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static ProbeResult Probe(IFingerprinter fp, Transport transport, byte[] client, byte[] server,
        bool clientComplete = true, bool serverComplete = true) =>
        fp.Probe(new InspectionContext(transport, client, server, clientComplete, serverComplete));

    public static ProbeResult ProbeClient(IFingerprinter fp, Transport transport, byte[] client, bool complete = true) =>
        Probe(fp, transport, client, [], complete, complete);

    public static ProbeResult ProbeServer(IFingerprinter fp, Transport transport, byte[] server, bool complete = true) =>
        Probe(fp, transport, [], server, complete, complete);

    /// <summary>Foreign payloads every fingerprinter here must refuse.</summary>
    public static IEnumerable<byte[]> CommonNegatives()
    {
        yield return "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"u8.ToArray();
        yield return "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        yield return "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"u8.ToArray();
        yield return "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n\r\n"u8.ToArray();
        yield return "220 mail.example.com ESMTP Postfix\r\n"u8.ToArray();
        yield return [0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
        yield return new byte[64];
        yield return Enumerable.Repeat((byte)0xFF, 64).ToArray();
        var random = new Random(1234);
        for (int i = 0; i < 200; i++)
        {
            var buffer = new byte[random.Next(1, 200)];
            random.NextBytes(buffer);
            yield return buffer;
        }
    }

    /// <summary>Foreign bytes, on either side and in both transports, never match.</summary>
    public static void AssertNeverMatches(IFingerprinter fp, IEnumerable<byte[]> payloads)
    {
        foreach (var payload in payloads)
        {
            foreach (var transport in new[] { Transport.Udp, Transport.Tcp })
            {
                var c = ProbeClient(fp, transport, payload);
                Assert.True(c.Status != ProbeStatus.Match, $"{fp.Name} matched client {transport} {Convert.ToHexString(payload)} ({c.Evidence})");
                var s = ProbeServer(fp, transport, payload);
                Assert.True(s.Status != ProbeStatus.Match, $"{fp.Name} matched server {transport} {Convert.ToHexString(payload)} ({s.Evidence})");
            }
        }
    }

    /// <summary>
    /// Every strict prefix (not complete) answers NeedMore, or the same status as the whole message; never an
    /// exception, never a Match the whole message does not give. For datagrams (<paramref name="datagram"/>) a
    /// prefix is a different datagram, so it may also be refused.
    /// </summary>
    public static void AssertPrefixes(IFingerprinter fp, Transport transport, byte[] message, bool asClient, bool datagram)
    {
        var full = asClient ? ProbeClient(fp, transport, message) : ProbeServer(fp, transport, message);
        for (int n = 0; n < message.Length; n++)
        {
            var prefix = message[..n];
            var r = asClient ? ProbeClient(fp, transport, prefix, complete: false) : ProbeServer(fp, transport, prefix, complete: false);
            if (r.Status == ProbeStatus.NeedMoreData || (datagram && r.Status == ProbeStatus.NoMatch))
            {
                continue;
            }

            Assert.True(r.Status == full.Status, $"{fp.Name}: prefix {n}/{message.Length} gave {r.Status}, whole gave {full.Status}");
            var done = asClient ? ProbeClient(fp, transport, prefix) : ProbeServer(fp, transport, prefix);
            Assert.True(done.Status != ProbeStatus.Match || full.Status == ProbeStatus.Match, $"{fp.Name}: complete prefix {n} matched");
        }
    }

    /// <summary>Feeding the bytes in 1..N growing prefixes (TCP; for UDP: client datagram first, then the server's): the first decided answer equals the whole-message answer.</summary>
    public static void AssertSplits(IFingerprinter fp, Transport transport, byte[] client, byte[] server, int maxChunks = 6)
    {
        var full = Probe(fp, transport, client, server);
        for (int chunks = 1; chunks <= maxChunks; chunks++)
        {
            ProbeResult first = default;
            bool decided = false;
            for (int k = 1; k <= chunks && !decided; k++)
            {
                bool last = k == chunks;
                // A datagram arrives whole: for UDP the split is "one side first, the other later".
                int cn = transport == Transport.Udp ? client.Length : client.Length * k / chunks;
                int sn = transport == Transport.Udp ? (last ? server.Length : 0) : server.Length * k / chunks;
                var r = Probe(fp, transport, client[..cn], server[..sn], last, last);
                if (r.Status != ProbeStatus.NeedMoreData)
                {
                    first = r;
                    decided = true;
                }
            }

            Assert.True(decided, $"{fp.Name}: undecided after {chunks} chunks");
            Assert.True(full.Status == first.Status, $"{fp.Name}: {chunks} chunks gave {first.Status} {first.Evidence}, whole gave {full.Status} {full.Evidence}");
        }
    }

    /// <summary>Bit flips, truncations and length smashing of a real message: no exception in Probe, Extract or the writers.</summary>
    public static void AssertSurvivesMutations(IFingerprinter fp, Transport transport, byte[] seed, int rounds = 3000)
    {
        var random = new Random(seed.Length);
        for (int i = 0; i < rounds; i++)
        {
            var m = (byte[])seed.Clone();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips && m.Length > 0; f++)
            {
                m[random.Next(m.Length)] = (byte)(random.Next(4) == 0 ? (random.Next(2) == 0 ? 0 : 0xFF) : random.Next(256));
            }

            if (random.Next(3) == 0)
            {
                m = m[..random.Next(m.Length + 1)];
            }

            foreach (bool asClient in new[] { true, false })
            {
                var client = asClient ? m : [];
                var server = asClient ? [] : m;
                var r = Probe(fp, transport, client, server);
                if (r.Status == ProbeStatus.Match)
                {
                    RunExtract(fp, transport, client, server);
                }
            }
        }
    }

    public static ProtocolMetadata? RunExtract(IFingerprinter fp, Transport transport, byte[] client, byte[] server)
    {
        ProtocolMetadata? meta = null;
        fp.Extract(new InspectionContext(transport, client, server, true, true), ref meta);
        if (meta is not null)
        {
            _ = Json(meta);
        }

        return meta;
    }

    /// <summary>The metadata as written into a record: {"ecs":{...},"sniffer":{...}} (parsed, so duplicates would throw).</summary>
    public static JsonDocument Json(ProtocolMetadata meta)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("ecs");
            meta.WriteEcs(w);
            w.WriteEndObject();
            w.WriteStartObject("sniffer");
            meta.WriteSniffer(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        string text = Encoding.UTF8.GetString(stream.ToArray());
        return JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false });
    }

    public static string? Path(JsonDocument doc, string dotted)
    {
        var e = doc.RootElement;
        foreach (var part in dotted.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
            {
                return null;
            }
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText();
    }
}
