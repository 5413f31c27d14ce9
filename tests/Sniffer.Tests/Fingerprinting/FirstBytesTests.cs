using System.Reflection;
using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>
/// The detector's first-byte prefilter drops a fingerprinter without asking it when a side's first byte is outside
/// its declared <see cref="FirstBytes"/>: every declaration must be exactly as strict as its Probe, or answers change.
/// For every fingerprinter, transport, side and excluded byte, Probe is run on inputs that start with that byte —
/// a lone byte, every second byte, every sample message of every protocol in these tests with its first byte
/// replaced (truncated at several lengths), random tails — against another side that is empty, random, or any
/// sample (including the protocol's own, complete), with every combination of completeness and gap flags: the
/// answer must always be NoMatch.
/// </summary>
public class FirstBytesTests
{
    private static readonly byte[][] Pool = SamplePool();

    /// <summary>Every byte[] sample held in static fields of this folder's test classes, plus foreign payloads.</summary>
    private static byte[][] SamplePool()
    {
        var pool = new List<byte[]>();
        foreach (var type in typeof(FirstBytesTests).Assembly.GetTypes().Where(t => t.Namespace == typeof(FirstBytesTests).Namespace))
        {
            if (type.ContainsGenericParameters)
            {
                continue;
            }

            foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                object? value;
                try
                {
                    value = field.GetValue(null);
                }
                catch (TargetInvocationException)
                {
                    continue;
                }

                switch (value)
                {
                    case byte[] bytes when bytes.Length > 0:
                        pool.Add(bytes);
                        break;
                    case TextSamples.Sample sample:
                        pool.Add(sample.Client);
                        pool.Add(sample.Server);
                        break;
                }
            }
        }

        pool.AddRange(FingerprintKit.ForeignPayloads());
        pool.AddRange(TextSamples.All.SelectMany(s => new[] { s.Client, s.Server }));
        return pool.Where(p => p.Length > 0).Distinct(ByteArrayComparer.Instance).ToArray();
    }

    public static TheoryData<string> Names() => new(FingerprinterRegistry.All.Select(r => r.Fingerprinter.Name));

    [Fact]
    public void SamplePoolIsBroad() => Assert.True(Pool.Length > 150, $"only {Pool.Length} samples");

    [Theory]
    [MemberData(nameof(Names))]
    public void ExcludedFirstBytesAlwaysGiveNoMatch(string name)
    {
        var registration = FingerprinterRegistry.All.Single(r => r.Fingerprinter.Name == name);
        var fp = registration.Fingerprinter;
        var rng = new Random(name.GetHashCode(StringComparison.Ordinal) & 0x7FFFFFFF);
        foreach (var transport in new[] { Transport.Tcp, Transport.Udp })
        {
            if (transport == Transport.Tcp ? !registration.Tcp : !registration.Udp)
            {
                continue;
            }

            var declared = fp.AcceptedFirstBytes(transport);
            foreach (bool clientSide in new[] { true, false })
            {
                var general = clientSide ? declared.Client : declared.Server;
                var alone = clientSide ? declared.ClientAlone : declared.ServerAlone;
                for (int b = 0; b < 256; b++)
                {
                    if (!alone.Contains((byte)b))
                    {
                        // Excluded at least while the other side is empty; with general, whatever it holds.
                        CheckByte(fp, transport, clientSide, (byte)b, otherMayHoldBytes: !general.Contains((byte)b), declared.MinLength, rng);
                    }
                }
            }
        }
    }

    private static void CheckByte(IFingerprinter fp, Transport transport, bool clientSide, byte first, bool otherMayHoldBytes, int minLength, Random rng)
    {
        var others = otherMayHoldBytes ? Pool.Prepend([]).ToArray() : [[]];

        // A lone byte (when the declaration binds it) and every two-byte start, against an empty other side.
        if (minLength == 1)
        {
            AssertNoMatchAllFlags(fp, transport, clientSide, [first], []);
        }

        for (int second = 0; second < 256; second++)
        {
            AssertNoMatch(fp, transport, clientSide, [first, (byte)second], [], rng.Next(16));
            AssertNoMatch(fp, transport, clientSide, [first, (byte)second], others[rng.Next(others.Length)], rng.Next(16));
        }

        // Every sample, first byte replaced, whole and truncated at a short and a random length; other sides drawn
        // from the pool (the protocol's own complete messages among them).
        foreach (var sample in Pool)
        {
            foreach (int length in new[] { sample.Length, 2 + rng.Next(6), 2 + rng.Next(sample.Length) })
            {
                if (length > sample.Length || length < minLength)
                {
                    continue;
                }

                var side = sample[..length];
                side[0] = first;
                AssertNoMatch(fp, transport, clientSide, side, others[rng.Next(others.Length)], rng.Next(16));
            }
        }

        // A shape against every other side.
        var shape = (byte[])Pool[rng.Next(Pool.Length)].Clone();
        shape[0] = first;
        if (shape.Length >= minLength)
        {
            foreach (var other in others)
            {
                AssertNoMatch(fp, transport, clientSide, shape, other, rng.Next(16));
            }
        }

        // Random tails.
        for (int i = 0; i < 40; i++)
        {
            var side = new byte[Math.Max(minLength, 1 + rng.Next(i < 20 ? 16 : 600))];
            rng.NextBytes(side);
            side[0] = first;
            AssertNoMatch(fp, transport, clientSide, side, others[rng.Next(others.Length)], rng.Next(16));
        }
    }

    private static void AssertNoMatchAllFlags(IFingerprinter fp, Transport transport, bool clientSide, byte[] side, byte[] other)
    {
        for (int flags = 0; flags < 16; flags++)
        {
            AssertNoMatch(fp, transport, clientSide, side, other, flags);
        }
    }

    private static void AssertNoMatch(IFingerprinter fp, Transport transport, bool clientSide, byte[] side, byte[] other, int flags)
    {
        var client = clientSide ? side : other;
        var server = clientSide ? other : side;
        var context = new InspectionContext(transport, client, server,
            (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0);
        ProbeResult result;
        try
        {
            result = fp.Probe(context);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or FormatException)
        {
            return; // the detector counts a fault and takes it as NoMatch
        }

        Assert.True(result.Status == ProbeStatus.NoMatch,
            $"{fp.Name} ({transport}) declares first byte 0x{side[0]:x2} impossible on the {(clientSide ? "client" : "server")} side, " +
            $"but Probe answered {result.Status} ({result.Evidence}) for {(clientSide ? "client" : "server")} {Hex(side)} / other {Hex(other)}, flags {flags}");
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b.AsSpan(0, Math.Min(b.Length, 24))) + (b.Length > 24 ? $"… ({b.Length} B)" : "");

    /// <summary>
    /// The detector with every declaration against the same registry declaring nothing: the same protocol,
    /// confidence, evidence and state for flows built from the samples, fed in growing segments.
    /// </summary>
    [Fact]
    public void DetectorAnswersAsWithoutPrefilter()
    {
        var plain = FingerprinterRegistry.All
            .Select(r => r with { Fingerprinter = new Undeclared(r.Fingerprinter) })
            .ToArray();
        var rng = new Random(7);
        var sides = Pool.Prepend([]).ToArray();
        var declared = new ProtocolDetector(new InspectionLimits());
        var undeclared = new ProtocolDetector(new InspectionLimits(), plain);
        for (int n = 0; n < 4000; n++)
        {
            var transport = rng.Next(3) == 0 ? Transport.Udp : Transport.Tcp;
            var client = sides[rng.Next(sides.Length)];
            var server = sides[rng.Next(sides.Length)];
            if (rng.Next(4) == 0 && client.Length > 0)
            {
                client = (byte[])client.Clone();
                client[0] = (byte)rng.Next(256);
            }

            int seed = rng.Next(1000);
            var withPrefilter = Run(declared, transport, client, server, seed);
            var without = Run(undeclared, transport, client, server, seed);
            Assert.True(withPrefilter == without,
                $"{transport} client {Hex(client)} server {Hex(server)}: {withPrefilter} vs {without}");
        }
    }

    private static string Run(ProtocolDetector detector, Transport transport, byte[] client, byte[] server, int seed)
    {
        // The same growing steps for both detectors, as segments would arrive; the last one closes both sides.
        ulong candidates = detector.InitialCandidates(transport);
        var steps = new List<string>();
        foreach (var (c, s, complete) in new[]
                 {
                     (Math.Min(client.Length, 1), 0, false), (Math.Min(client.Length, 2 + (seed % 7)), 0, false), (client.Length, 0, false),
                     (client.Length, Math.Min(server.Length, 3), false), (client.Length, server.Length, false), (client.Length, server.Length, true),
                 })
        {
            var context = new InspectionContext(transport, client.AsSpan(0, c), server.AsSpan(0, s), complete, complete);
            int best = detector.ProbeOnce(context, ref candidates, out var result, out bool waiting);
            steps.Add($"{best}/{result.Status}/{result.Confidence}/{result.Evidence}/{waiting}/{candidates:x16}");
        }

        return string.Join(";", steps);
    }

    /// <summary>A fingerprinter as it was before declarations: same Probe, no restriction.</summary>
    private sealed class Undeclared(IFingerprinter inner) : IFingerprinter
    {
        public string Name => "undeclared:" + inner.Name;

        public ProbeResult Probe(in InspectionContext context) => inner.Probe(context);

        public bool Extract(in InspectionContext context, ref ProtocolMetadata? metadata) => inner.Extract(context, ref metadata);
    }

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var h = new HashCode();
            h.AddBytes(obj);
            return h.ToHashCode();
        }
    }
}
