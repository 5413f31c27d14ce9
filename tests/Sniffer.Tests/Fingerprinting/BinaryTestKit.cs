using System.Text;
using System.Text.Json;
using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>
/// Shared checks for the fingerprinter tests of binary and datagram protocols (databases, messaging, remote access,
/// tunnels, DNS/SNMP/syslog/NTP/TFTP/NetBIOS/Kerberos/STUN/CoAP…).
/// </summary>
internal static class BinaryTestKit
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static ProbeResult Probe(IFingerprinter fp, Transport transport, byte[] client, byte[] server,
        bool clientComplete = true, bool serverComplete = true) =>
        fp.Probe(new InspectionContext(transport, client, server, clientComplete, serverComplete));

    public static ProbeResult ProbeClient(IFingerprinter fp, Transport transport, byte[] client, bool complete = true) =>
        Probe(fp, transport, client, [], complete, complete);

    public static ProbeResult ProbeServer(IFingerprinter fp, Transport transport, byte[] server, bool complete = true) =>
        Probe(fp, transport, [], server, complete, complete);

    /// <summary>Foreign payloads every fingerprinter here must refuse, and <paramref name="randomBuffers"/> random ones.</summary>
    public static IEnumerable<byte[]> CommonNegatives(int randomBuffers = 400)
    {
        yield return "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"u8.ToArray();
        yield return "POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"u8.ToArray();
        yield return "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n\r\n"u8.ToArray();
        yield return "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        yield return "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"u8.ToArray();
        yield return "220 mail.example.com ESMTP Postfix\r\n"u8.ToArray();
        yield return "+OK Dovecot ready.\r\n"u8.ToArray();
        yield return "*1\r\n$4\r\nPING\r\n"u8.ToArray();
        yield return [0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
        yield return [0x16, 0x03, 0x03, 0x00, 0x5a, 0x02, 0x00, 0x00, 0x56, 0x03, 0x03, .. new byte[32], 0x20, .. new byte[32], 0x13, 0x01, 0x00];
        yield return [0x17, 0x03, 0x03, 0x00, 0x20, .. Enumerable.Range(1, 32).Select(i => (byte)(i * 37))];
        yield return new byte[1];
        yield return new byte[64];
        yield return new byte[300];
        yield return Enumerable.Repeat((byte)0xFF, 64).ToArray();
        var random = new Random(4321);
        for (int i = 0; i < randomBuffers; i++)
        {
            var buffer = new byte[random.Next(1, 300)];
            random.NextBytes(buffer);
            yield return buffer;
        }
    }

    /// <summary>Foreign bytes, on either side and in both transports, never match.</summary>
    public static void AssertNeverMatches(IFingerprinter fp, IEnumerable<byte[]> payloads)
    {
        foreach (var payload in payloads)
        {
            foreach (var transport in new[] { Transport.Tcp, Transport.Udp })
            {
                var c = Probe(fp, transport, payload, []);
                Assert.True(c.Status != ProbeStatus.Match, $"{fp.Name} matched client {transport} {Convert.ToHexString(payload)} ({c.Evidence})");
                var s = Probe(fp, transport, [], payload);
                Assert.True(s.Status != ProbeStatus.Match, $"{fp.Name} matched server {transport} {Convert.ToHexString(payload)} ({s.Evidence})");
            }
        }
    }

    /// <summary>Every other protocol's real samples (and the common negatives) never match.</summary>
    public static void AssertRefusesForeign(IFingerprinter fp) =>
        AssertNeverMatches(fp, CommonNegatives().Concat(BinarySamples.ForeignTo(fp.Name)));

    /// <summary>
    /// Every strict prefix of one direction (the other empty): NeedMore while incomplete, never an exception, never
    /// a Match the whole message does not give. For datagrams a prefix is another datagram, so it may be refused.
    /// </summary>
    public static void AssertPrefixes(IFingerprinter fp, Transport transport, byte[] message, bool asClient, bool datagram = false)
    {
        var full = asClient ? Probe(fp, transport, message, [], true, false) : Probe(fp, transport, [], message, false, true);
        for (int n = 1; n < message.Length; n++)
        {
            var prefix = message[..n];
            var r = asClient ? Probe(fp, transport, prefix, [], false, false) : Probe(fp, transport, [], prefix, false, false);
            if (r.Status == ProbeStatus.NeedMoreData || (datagram && r.Status == ProbeStatus.NoMatch))
            {
                continue;
            }

            Assert.True(r.Status == full.Status, $"{fp.Name}: prefix {n}/{message.Length} gave {r.Status} {r.Evidence}, whole gave {full.Status}");
            var done = asClient ? Probe(fp, transport, prefix, []) : Probe(fp, transport, [], prefix);
            Assert.True(done.Status != ProbeStatus.Match || full.Status == ProbeStatus.Match, $"{fp.Name}: complete prefix {n} matched");
        }
    }

    /// <summary>The same bytes fed in 1..N growing prefixes (UDP: the client datagram, then the server's) reach the whole-message answer.</summary>
    public static void AssertSplits(IFingerprinter fp, Transport transport, byte[] client, byte[] server, int maxChunks = 8)
    {
        var full = Probe(fp, transport, client, server);
        for (int chunks = 1; chunks <= maxChunks; chunks++)
        {
            ProbeResult first = default;
            bool decided = false;
            for (int k = 1; k <= chunks && !decided; k++)
            {
                bool last = k == chunks;
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

    /// <summary>Prefixes of each direction, growing splits, foreign samples and mutations of one real exchange.</summary>
    public static void AssertStandard(IFingerprinter fp, Transport transport, byte[] client, byte[] server)
    {
        bool datagram = transport == Transport.Udp;
        if (client.Length > 0)
        {
            AssertPrefixes(fp, transport, client, asClient: true, datagram);
        }

        if (server.Length > 0)
        {
            AssertPrefixes(fp, transport, server, asClient: false, datagram);
        }

        AssertSplits(fp, transport, client, server);
        AssertSurvivesMutations(fp, transport, client, server);
    }

    /// <summary>Bit flips, truncations and length smashing of real bytes: no exception in Probe, Extract or the writers.</summary>
    public static void AssertSurvivesMutations(IFingerprinter fp, Transport transport, byte[] client, byte[] server, int rounds = 2000)
    {
        var random = new Random(client.Length * 31 + server.Length);
        for (int i = 0; i < rounds; i++)
        {
            var c = Mutate(random, client);
            var s = Mutate(random, server);
            var r = Probe(fp, transport, c, s);
            if (r.Status == ProbeStatus.Match)
            {
                RunExtract(fp, transport, c, s);
            }

            // Extract must also survive bytes it was never offered a match for.
            RunExtract(fp, transport, c, s);
        }
    }

    /// <summary>Mutations of one message offered as the client's and as the server's bytes (datagram protocols).</summary>
    public static void AssertSurvivesMutations(IFingerprinter fp, Transport transport, byte[] seed, int rounds = 3000)
    {
        AssertSurvivesMutations(fp, transport, seed, [], rounds / 2);
        AssertSurvivesMutations(fp, transport, [], seed, rounds / 2);
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var m = (byte[])seed.Clone();
        int flips = random.Next(0, 6);
        for (int f = 0; f < flips && m.Length > 0; f++)
        {
            m[random.Next(m.Length)] = (byte)(random.Next(4) == 0 ? (random.Next(2) == 0 ? 0 : 0xFF) : random.Next(256));
        }

        if (random.Next(3) == 0)
        {
            m = m[..random.Next(m.Length + 1)];
        }

        return m;
    }

    public static ProtocolMetadata? RunExtract(IFingerprinter fp, Transport transport, byte[] client, byte[] server)
    {
        ProtocolMetadata? meta = null;
        var context = new InspectionContext(transport, client, server, true, true);
        fp.Extract(context, ref meta);
        // A second call over the same bytes must keep the same object and stay consistent.
        var again = meta;
        fp.Extract(context, ref again);
        Assert.Same(meta, again);
        if (meta is not null)
        {
            using var doc = Json(meta);
        }

        return meta;
    }

    /// <summary>Extracts from the bytes and returns the metadata as written: {"ecs":{...},"sniffer":{...},"app":{...}}.</summary>
    public static JsonDocument ExtractJson(IFingerprinter fp, Transport transport, byte[] client, byte[] server)
    {
        var meta = RunExtract(fp, transport, client, server);
        Assert.NotNull(meta);
        return Json(meta);
    }

    /// <summary>The metadata as written into a record (parsed, so duplicate keys throw).</summary>
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
            w.WriteStartObject("app");
            if (meta.ApplicationName is not null)
            {
                w.WriteString("name", meta.ApplicationName);
            }

            if (meta.ApplicationVersion is not null)
            {
                w.WriteString("version", meta.ApplicationVersion);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        string text = Encoding.UTF8.GetString(stream.ToArray());
        return JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false });
    }

    /// <summary>A dotted path's value ("ecs.user.name"), strings unquoted, others as raw JSON; null when absent.</summary>
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
