using System.Text;
using Sniffer.Decoding;
using Sniffer.Flows;
using Xunit;

namespace Sniffer.Tests.Flows;

public class StreamReassemblerTests
{
    private const int Window = 64;
    private static readonly byte[] Text = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, again and again...");

    private static (StreamReassembler S, AnomalyCounters A) Feed(uint isn, params (int Offset, int Length)[] segments)
    {
        var s = new StreamReassembler();
        var a = new AnomalyCounters();
        s.SetBase(isn);
        foreach (var (o, l) in segments)
        {
            s.Add(unchecked(isn + (uint)o), Text.AsSpan(o, l), Window, a);
        }

        return (s, a);
    }

    [Fact]
    public void InOrder()
    {
        var (s, _) = Feed(1000, (0, 10), (10, 20), (30, 20));
        Assert.Equal(Text.AsSpan(0, 50).ToArray(), s.Contiguous.ToArray());
    }

    [Fact]
    public void Reordered()
    {
        var (s, _) = Feed(1000, (30, 20), (10, 20), (0, 10));
        Assert.Equal(Text.AsSpan(0, 50).ToArray(), s.Contiguous.ToArray());
        Assert.False(s.HasGap);
    }

    [Fact]
    public void DuplicatesAndOverlapsGiveTheSameBytes()
    {
        var (s, a) = Feed(1000, (0, 10), (0, 10), (5, 20), (20, 10), (15, 30));
        Assert.Equal(Text.AsSpan(0, 45).ToArray(), s.Contiguous.ToArray());
        Assert.Equal(0, a[Anomaly.TcpReassemblyOverlapConflict]);
    }

    [Fact]
    public void OverlapConflictKeepsFirstBytes()
    {
        var s = new StreamReassembler();
        var a = new AnomalyCounters();
        s.SetBase(1);
        s.Add(1, "AAAAAAAAAA"u8, Window, a);
        s.Add(6, "BBBBBBBBBB"u8, Window, a);
        Assert.Equal("AAAAAAAAAABBBBB", Encoding.ASCII.GetString(s.Contiguous));
        Assert.Equal(1, a[Anomaly.TcpReassemblyOverlapConflict]);
    }

    [Fact]
    public void SequenceWrapAround()
    {
        var (s, _) = Feed(0xFFFF_FFF0, (0, 10), (10, 20), (30, 5));
        Assert.Equal(Text.AsSpan(0, 35).ToArray(), s.Contiguous.ToArray());
    }

    [Fact]
    public void AcknowledgedHoleIsAGap()
    {
        var (s, a) = Feed(1000, (0, 10), (20, 10));
        Assert.Equal(10, s.ContiguousLength);
        s.OnPeerAck(1000 + 30, a);
        Assert.True(s.HasGap);
        Assert.True(s.IsComplete);
        Assert.Equal(1, a[Anomaly.TcpReassemblyGap]);
        // nothing is spliced across the gap
        s.Add(1010, Text.AsSpan(10, 10), Window, a);
        Assert.Equal(10, s.ContiguousLength);
    }

    [Fact]
    public void WindowBoundsTheStream()
    {
        var s = new StreamReassembler();
        var a = new AnomalyCounters();
        s.SetBase(0);
        s.Add(0, new byte[100], 64, a);
        Assert.Equal(64, s.ContiguousLength);
        Assert.True(s.IsFull);
        Assert.True(s.IsComplete);
    }

    [Fact]
    public void MidstreamStartsAtFirstData()
    {
        var s = new StreamReassembler();
        var a = new AnomalyCounters();
        s.Add(123456, "hello"u8, Window, a);
        s.Add(123461, " world"u8, Window, a);
        Assert.Equal("hello world", Encoding.ASCII.GetString(s.Contiguous));
        s.Release();
    }

    [Fact]
    public void TooManyHolesDeclareAGap()
    {
        var s = new StreamReassembler();
        var a = new AnomalyCounters();
        s.SetBase(0);
        for (int i = 0; i <= StreamReassembler.MaxHeldRanges; i++)
        {
            s.Add((uint)(2 + (i * 4)), "x"u8, Window, a);
        }

        Assert.True(s.HasGap);
    }

    [Fact]
    public void EveryPermutationOfSmallSegmentsGivesTheSameStream()
    {
        (int, int)[] segs = [(0, 7), (7, 9), (16, 3), (19, 12), (31, 1)];
        foreach (var perm in Permutations(segs))
        {
            var (s, _) = Feed(77, perm.ToArray());
            Assert.Equal(Text.AsSpan(0, 32).ToArray(), s.Contiguous.ToArray());
        }
    }

    private static IEnumerable<IEnumerable<T>> Permutations<T>(IReadOnlyList<T> items)
    {
        if (items.Count <= 1)
        {
            yield return items;
            yield break;
        }

        for (int i = 0; i < items.Count; i++)
        {
            var rest = items.Where((_, j) => j != i).ToList();
            foreach (var p in Permutations(rest))
            {
                yield return new[] { items[i] }.Concat(p);
            }
        }
    }
}

public class ReassemblyMemoryTests
{
    [Fact]
    public void GlobalCapStopsBufferingAndCounts()
    {
        var memory = new ReassemblyMemory(limitBytes: 3 * 1024);
        var anomalies = new AnomalyCounters();
        var streams = new StreamReassembler[5];
        int stored = 0;
        for (int i = 0; i < streams.Length; i++)
        {
            streams[i].Add(1, "data"u8, 1024, anomalies, memory);
            stored += streams[i].ContiguousLength > 0 ? 1 : 0;
        }

        Assert.Equal(3, stored);
        Assert.Equal(2, anomalies[Anomaly.ReassemblyMemcap]);
        Assert.Equal(3 * 1024, memory.InUse);
        for (int i = 0; i < streams.Length; i++)
        {
            streams[i].Release();
        }

        Assert.Equal(0, memory.InUse);
    }
}
