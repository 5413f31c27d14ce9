using Sniffer.Fingerprinting;
using Xunit;

namespace Sniffer.Tests.Fingerprinting;

/// <summary>Each text protocol's real samples against every other text fingerprinter: NoMatch, or Low at worst.</summary>
public class CrossProtocolTests
{
    private static IEnumerable<IFingerprinter> TextFingerprinters() =>
        FingerprinterRegistry.All.Select(r => r.Fingerprinter).Where(f => f.Name is not ("http" or "tls" or "ssh"));

    [Fact]
    public void SamplesOfOneProtocolAreNotConfidentlyAnother()
    {
        foreach (var fp in TextFingerprinters())
        {
            foreach (var s in TextSamples.All.Where(s => s.Protocol != fp.Name))
            {
                foreach (bool complete in new[] { false, true })
                {
                    var r = fp.Probe(new InspectionContext(s.Transport, s.Client, s.Server, complete, complete));
                    Assert.True(r.Status != ProbeStatus.Match || r.Confidence <= Confidence.Low,
                        $"{fp.Name} matched {s.Protocol} sample from {s.Source} ({r.Confidence}, {r.Evidence})");
                }
            }
        }
    }

    [Fact]
    public void EachSampleIsWonByItsProtocolInTheDetectorOrder()
    {
        foreach (var s in TextSamples.All)
        {
            var ctx = new InspectionContext(s.Transport, s.Client, s.Server, true, true);
            string? best = null;
            var bestConfidence = Confidence.None;
            foreach (var reg in FingerprinterRegistry.All)
            {
                if (s.Transport == Transport.Tcp ? !reg.Tcp : !reg.Udp)
                {
                    continue;
                }

                var r = reg.Fingerprinter.Probe(ctx);
                if (r.Status == ProbeStatus.Match && (best is null || r.Confidence > bestConfidence))
                {
                    best = reg.Fingerprinter.Name;
                    bestConfidence = r.Confidence;
                }
            }

            Assert.True(s.Protocol == best, $"{s.Source}: expected {s.Protocol}, detector would pick {best}");
        }
    }
}

/// <summary>Probing allocates nothing: every sample and every prefix through every text fingerprinter.</summary>
public class ProbeAllocationTests
{
    [Fact]
    public void ProbesDoNotAllocate()
    {
        var fps = FingerprinterRegistry.All.Select(r => r.Fingerprinter).Where(f => f.Name is not ("http" or "tls" or "ssh")).ToArray();
        var samples = TextSamples.All.Concat(FingerprintKit.ForeignPayloads().Select(p => new TextSamples.Sample("x", "foreign", p, p))).ToArray();
        void ProbeAll()
        {
            foreach (var fp in fps)
            {
                foreach (var s in samples)
                {
                    for (int i = 0; i <= s.Client.Length; i += 7)
                    {
                        fp.Probe(new InspectionContext(s.Transport, s.Client.AsSpan(0, i), s.Server.AsSpan(0, Math.Min(i, s.Server.Length)), false, false));
                    }

                    fp.Probe(new InspectionContext(s.Transport, s.Client, s.Server, true, true));
                }
            }
        }

        ProbeAll(); // warm-up: static initialisation and JIT of every path the measured rounds take

        // A round can see a runtime allocation on this thread that is not the probes' (tiering under a loaded
        // test run); a probe that allocates does so in every round.
        long fewest = long.MaxValue;
        for (int round = 0; round < 3 && fewest > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            ProbeAll();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, fewest);
    }
}
