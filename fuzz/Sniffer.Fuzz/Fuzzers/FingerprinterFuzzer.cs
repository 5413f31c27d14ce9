using System.Buffers;
using System.Text.Json;
using Sniffer.Fingerprinting;
using Sniffer.Fuzz.Support;
using Sniffer.Output;

namespace Sniffer.Fuzz.Fuzzers;

/// <summary>
/// Every fingerprinter in <see cref="FingerprinterRegistry.All"/> (whatever is registered when this is built) on
/// the same bytes. Input: a flags byte, a split byte, then the payload; the first <c>length * split / 255</c>
/// payload bytes are the client's, the rest the server's. The two sides grow prefix by prefix, in the order the
/// flags choose (client first, server first, or interleaved), and at each step every fingerprinter of the
/// transport is probed and every one that has matched extracts — as the detector does when bytes arrive, but for
/// all of them. A last step marks both sides complete. Then each metadata object (and the unknown-flow profile)
/// is written the way a flow record writes it and must be one bounded JSON object without duplicate properties.
/// </summary>
internal sealed class FingerprinterFuzzer : IFuzzer
{
    /// <summary>Every prefix length up to here is probed; beyond it prefixes grow by an eighth.</summary>
    private const int EveryPrefixUpTo = 64;
    /// <summary>The bound the test suite holds a whole flow record to.</summary>
    private const int MaxRecordBytes = 64 * 1024;

    private const byte FlagUdp = 0x01;
    private const byte FlagServerFirst = 0x02;
    private const byte FlagInterleave = 0x04;

    // The record writer's own options: its raw runs (RawJson, JsonRun, JsonStringCache) rely on SkipValidation. The
    // structure is checked by parsing the result instead (Check).
    private static readonly JsonWriterOptions WriterOptions = FlowRecordWriter.Options;

    public string Name => "fingerprinter";

    public string[] Dictionaries => ["http.dict", "tls.dict", "ssh.dict", "protocols.dict"];

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        byte flags = input[0];
        var transport = (flags & FlagUdp) != 0 ? Transport.Udp : Transport.Tcp;
        var data = input[2..];
        int clientLength = data.Length * input[1] / 255;
        var client = data[..clientLength];
        var server = data[clientLength..];

        var registry = FingerprinterRegistry.All;
        var matched = new bool[registry.Length];
        var done = new bool[registry.Length];
        var metadata = new ProtocolMetadata?[registry.Length];

        var clientCuts = Cuts(client.Length);
        var serverCuts = Cuts(server.Length);
        int ci = 0, si = 0;
        bool serverTurn = (flags & FlagServerFirst) != 0;
        while (ci < clientCuts.Count || si < serverCuts.Count)
        {
            bool growServer = si < serverCuts.Count && (ci >= clientCuts.Count || serverTurn);
            if (growServer)
            {
                si++;
            }
            else
            {
                ci++;
            }

            // Interleaved: alternate sides; otherwise one side runs out before the other starts.
            if ((flags & FlagInterleave) != 0)
            {
                serverTurn = !serverTurn;
            }

            var context = new InspectionContext(transport, client[..(ci == 0 ? 0 : clientCuts[ci - 1])], server[..(si == 0 ? 0 : serverCuts[si - 1])], false, false);
            Step(context, registry, matched, done, metadata);
        }

        Step(new InspectionContext(transport, client, server, true, true), registry, matched, done, metadata);
        if (transport == Transport.Udp)
        {
            // The heads of a second datagram per direction (RTP confirms a one-way stream with it): the tails here.
            int head = Sniffer.Flows.DatagramHead.Length;
            Step(new InspectionContext(transport, client, server, true, true)
            {
                ClientNext = client[Math.Max(0, client.Length - head)..],
                ServerNext = server[Math.Max(0, server.Length - head)..],
            }, registry, matched, done, metadata);

            // Datagrams after identification (SNMPv3 user, QUIC Initial reassembly, STUN → DTLS): each side again.
            foreach (var meta in metadata)
            {
                for (int i = 0; i < 3 && meta is { WantsLaterDatagrams: true }; i++)
                {
                    meta.OnLaterDatagram((i & 1) == 0 ? client : server, (i & 1) == 0);
                }
            }
        }

        var buffer = new ArrayBufferWriter<byte>();
        for (int i = 0; i < registry.Length; i++)
        {
            if (metadata[i] is { } meta)
            {
                buffer.ResetWrittenCount();
                WriteRecord(buffer, meta, null);
                Check(buffer, registry[i].Fingerprinter.Name);
                var fingerprints = new List<string>();
                meta.CollectFingerprints(fingerprints);
            }
        }

        buffer.ResetWrittenCount();
        var unknown = UnknownProfile.Create(client, server, (flags & FlagServerFirst) == 0, transport);
        WriteRecord(buffer, null, unknown);
        Check(buffer, "unknown profile");
    }

    private static void Step(in InspectionContext context, FingerprinterRegistration[] registry, bool[] matched, bool[] done, ProtocolMetadata?[] metadata)
    {
        for (int i = 0; i < registry.Length; i++)
        {
            var r = registry[i];
            if (!(context.Transport == Transport.Tcp ? r.Tcp : r.Udp))
            {
                continue;
            }

            var result = r.Fingerprinter.Probe(context);
            if (result.Status == ProbeStatus.Match)
            {
                if (result.Evidence is null || result.Confidence is not (Confidence.Low or Confidence.Medium or Confidence.High))
                {
                    throw new FuzzInvariantException($"{r.Fingerprinter.Name}: a match without evidence or confidence ({result.Confidence}, '{result.Evidence}')");
                }

                matched[i] = true;
            }
            else if (result.Status is not (ProbeStatus.NoMatch or ProbeStatus.NeedMoreData))
            {
                throw new FuzzInvariantException($"{r.Fingerprinter.Name}: probe status {(int)result.Status}");
            }

            if (matched[i] && !done[i])
            {
                done[i] = r.Fingerprinter.Extract(context, ref metadata[i]);
            }
        }
    }

    /// <summary>Prefix lengths 1..n: all of them up to <see cref="EveryPrefixUpTo"/>, then growing by an eighth, always ending at n.</summary>
    private static List<int> Cuts(int n)
    {
        var cuts = new List<int>();
        for (int k = 1; k <= n; k += k < EveryPrefixUpTo ? 1 : Math.Max(1, k / 8))
        {
            cuts.Add(k);
        }

        if (n > 0 && cuts[^1] != n)
        {
            cuts.Add(n);
        }

        return cuts;
    }

    /// <summary>The part of a flow record that metadata writes, in the order and nesting <c>FlowRecordWriter</c> uses.</summary>
    private static void WriteRecord(IBufferWriter<byte> output, ProtocolMetadata? meta, UnknownProfile? unknown)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        meta?.WriteEcs(w);
        w.WriteStartObject("sniffer"u8);
        if (meta is { ApplicationName: not null })
        {
            w.WriteStartObject("application"u8);
            w.WriteString("name"u8, meta.ApplicationName);
            if (meta.ApplicationVersion is not null)
            {
                w.WriteString("version"u8, meta.ApplicationVersion);
            }

            w.WriteEndObject();
        }

        meta?.WriteSniffer(w);
        unknown?.Write(w, [1, -2]);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
    }

    private static void Check(ArrayBufferWriter<byte> buffer, string what)
    {
        if (buffer.WrittenCount > MaxRecordBytes)
        {
            throw new FuzzInvariantException($"{what}: metadata of {buffer.WrittenCount} bytes (a record stays under {MaxRecordBytes})");
        }

        JsonCheck.Object(buffer.WrittenMemory, what);
    }

    /// <summary>A seed: flags, split byte, then client and server bytes.</summary>
    public static byte[] Input(byte flags, byte[] client, byte[] server)
    {
        int total = client.Length + server.Length;
        // The harness gives the client length * split / 255 bytes: pick the split that reproduces this cut.
        int split = total == 0 ? 0 : (int)Math.Ceiling(client.Length * 255.0 / total);
        while (split > 0 && total * (split - 1) / 255 >= client.Length)
        {
            split--;
        }

        return [flags, (byte)Math.Min(255, split), .. client, .. server];
    }

    public IEnumerable<(string Name, byte[] Bytes)> Seeds(SeedMaterial material)
    {
        yield return ("http", Input(0, SeedMaterial.HttpRequest, SeedMaterial.HttpResponse));
        yield return ("http-interleaved", Input(FlagInterleave, SeedMaterial.HttpRequest, SeedMaterial.HttpResponse));
        yield return ("http-server-only", Input(0, [], SeedMaterial.HttpResponse));
        yield return ("tls", Input(0, SeedMaterial.TlsClientHello("demo.sniffer.test"), SeedMaterial.TlsServerHello()));
        yield return ("tls-server-first", Input(FlagServerFirst, SeedMaterial.TlsClientHello("a"), SeedMaterial.TlsServerHello()));
        yield return ("ssh", Input(FlagServerFirst | FlagInterleave, [.. SeedMaterial.SshClientBanner, .. SeedMaterial.SshKexInit()], SeedMaterial.SshServerBanner));
        yield return ("binary", Input(0, SeedMaterial.Binary(200, 12), SeedMaterial.Binary(60, 13)));
        yield return ("udp-dns", Input(FlagUdp, SeedMaterial.DnsQuery("example.com"), []));
        foreach (var flow in material.RealFlows)
        {
            byte flags = (byte)((flow.Udp ? FlagUdp : 0) | FlagInterleave);
            yield return ($"real-{flow.Name}", Input(flags, flow.Client, flow.Server));
        }
    }
}
