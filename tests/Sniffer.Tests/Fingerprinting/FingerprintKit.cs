using System.Text;
using System.Text.Json;
using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>Shared checks for fingerprinter tests: final answers, prefix consistency, negatives, metadata JSON.</summary>
internal static class FingerprintKit
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    public static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    public static ProbeResult Probe(IFingerprinter fp, byte[] client, byte[] server, bool complete, Transport transport = Transport.Tcp) =>
        fp.Probe(new InspectionContext(transport, client, server, complete, complete));

    /// <summary>Probes with both sides complete and asserts a match of at least <paramref name="min"/>.</summary>
    public static ProbeResult AssertMatch(IFingerprinter fp, byte[] client, byte[] server, Confidence min, Transport transport = Transport.Tcp)
    {
        var r = Probe(fp, client, server, complete: true, transport);
        Assert.True(r.Status == ProbeStatus.Match, $"{fp.Name}: expected Match, got {r.Status}");
        Assert.True(r.Confidence >= min, $"{fp.Name}: confidence {r.Confidence} < {min}");
        Assert.False(string.IsNullOrEmpty(r.Evidence));
        return r;
    }

    /// <summary>
    /// Every prefix of a positive sample (sides growing together, or one at a time) is NeedMore or a Match, never
    /// NoMatch and never an exception; the same bytes split into growing prefixes end in a Match.
    /// </summary>
    public static void AssertPrefixesConsistent(IFingerprinter fp, byte[] client, byte[] server, Transport transport = Transport.Tcp)
    {
        int max = Math.Max(client.Length, server.Length);
        for (int i = 0; i <= max; i++)
        {
            var c = client.AsSpan(0, Math.Min(i, client.Length)).ToArray();
            var s = server.AsSpan(0, Math.Min(i, server.Length)).ToArray();
            var r = fp.Probe(new InspectionContext(transport, c, s, false, false));
            Assert.True(r.Status != ProbeStatus.NoMatch, $"{fp.Name}: NoMatch on prefix {i}");
        }

        for (int i = 0; i <= client.Length; i++)
        {
            var r = fp.Probe(new InspectionContext(transport, client.AsSpan(0, i), default, false, false));
            Assert.True(r.Status != ProbeStatus.NoMatch || client.Length == 0, $"{fp.Name}: NoMatch on client prefix {i}");
        }

        for (int i = 0; i <= server.Length; i++)
        {
            var r = fp.Probe(new InspectionContext(transport, default, server.AsSpan(0, i), false, false));
            Assert.True(r.Status != ProbeStatus.NoMatch || server.Length == 0, $"{fp.Name}: NoMatch on server prefix {i}");
        }

        Assert.Equal(ProbeStatus.Match, Probe(fp, client, server, complete: true, transport).Status);
    }

    /// <summary>Bytes of other protocols that no fingerprinter here may match.</summary>
    public static IEnumerable<byte[]> ForeignPayloads()
    {
        yield return Text("GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n");
        yield return Text("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 0\r\n\r\n");
        yield return Text("POST /api HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}");
        yield return [0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00];
        yield return Text("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
        yield return new byte[64];
        yield return Enumerable.Repeat((byte)0xFF, 64).ToArray();
        var rng = new Random(1234);
        for (int i = 0; i < 8; i++)
        {
            var b = new byte[16 + (i * 37)];
            rng.NextBytes(b);
            yield return b;
        }
    }

    /// <summary>Foreign payloads as client, server, or both, complete or not: never a Match.</summary>
    public static void AssertNeverMatchesForeign(IFingerprinter fp, Transport transport = Transport.Tcp)
    {
        foreach (var p in ForeignPayloads())
        {
            foreach (bool complete in new[] { false, true })
            {
                foreach (var (c, s) in new[] { (p, Array.Empty<byte>()), (Array.Empty<byte>(), p), (p, p) })
                {
                    var r = Probe(fp, c, s, complete, transport);
                    Assert.True(r.Status != ProbeStatus.Match,
                        $"{fp.Name} matched foreign bytes {Convert.ToHexString(p.AsSpan(0, Math.Min(16, p.Length)))} ({r.Evidence})");
                }
            }
        }
    }

    /// <summary>Runs Extract on the sample as the detector would (growing prefixes), returns the metadata, and checks its JSON.</summary>
    public static T Extract<T>(IFingerprinter fp, byte[] client, byte[] server, Transport transport = Transport.Tcp)
        where T : ProtocolMetadata
    {
        ProtocolMetadata? meta = null;
        int steps = 4;
        for (int k = 1; k <= steps; k++)
        {
            var c = client.AsSpan(0, client.Length * k / steps);
            var s = server.AsSpan(0, server.Length * k / steps);
            bool done = fp.Extract(new InspectionContext(transport, c, s, k == steps, k == steps), ref meta);
            if (done)
            {
                break;
            }
        }

        Assert.NotNull(meta);
        AssertValidJson(meta!);
        return Assert.IsType<T>(meta);
    }

    /// <summary>Writes the metadata inside an object and parses it back: valid JSON, no duplicate keys.</summary>
    public static JsonDocument AssertValidJson(ProtocolMetadata meta)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            meta.WriteEcs(w);
            w.WriteStartObject("sniffer"u8);
            meta.WriteSniffer(w);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        var doc = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { AllowDuplicateProperties = false });
        return doc;
    }

    /// <summary>Hostile bytes through Probe and Extract: no exception, whatever the answer.</summary>
    public static void AssertSurvivesHostile(IFingerprinter fp, byte[] seed, Transport transport = Transport.Tcp)
    {
        var rng = new Random(seed.Length);
        for (int n = 0; n < 300; n++)
        {
            var b = (byte[])seed.Clone();
            int edits = 1 + rng.Next(4);
            for (int e = 0; e < edits && b.Length > 0; e++)
            {
                int pos = rng.Next(b.Length);
                b[pos] = rng.Next(5) switch
                {
                    0 => 0,
                    1 => 0xFF,
                    2 => (byte)'\n',
                    3 => (byte)rng.Next(256),
                    _ => (byte)'9',
                };
            }

            if (rng.Next(4) == 0 && b.Length > 1)
            {
                b = b[..rng.Next(b.Length)];
            }

            foreach (var (c, s) in new[] { (b, Array.Empty<byte>()), (Array.Empty<byte>(), b), (b, b) })
            {
                fp.Probe(new InspectionContext(transport, c, s, true, true));
                ProtocolMetadata? meta = null;
                fp.Extract(new InspectionContext(transport, c, s, true, true), ref meta);
                if (meta is not null)
                {
                    AssertValidJson(meta).Dispose();
                }
            }
        }
    }
}
