using System.Text;
using Sniffer.Output.Delivery;
using Xunit;

namespace Sniffer.Tests.Delivery;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}

public sealed class RotatingFileStreamTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sniffer-rotate").FullName;

    private string Path => System.IO.Path.Combine(_dir, "flows.ndjson");

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Record i: exactly <paramref name="length"/> bytes including its newline.</summary>
    private static string Record(int i, int length = 30)
    {
        string head = $"{{\"n\":{i},\"pad\":\"";
        return head + new string('x', length - head.Length - 3) + "\"}\n";
    }

    private static void WriteAll(Stream s, IEnumerable<string> records) => s.Write(Encoding.UTF8.GetBytes(string.Concat(records)));

    /// <summary>FILE.N … FILE.1, FILE: oldest first.</summary>
    private List<string> FilesOldestFirst()
    {
        var files = new List<string>();
        for (int n = 1000; n >= 1; n--)
        {
            string p = RotatingFileStream.RotatedName(Path, n);
            if (File.Exists(p))
            {
                files.Add(p);
            }
        }

        files.Add(Path);
        return files;
    }

    [Fact]
    public void SizeLimitRotatesBeforeTheRecordThatWouldCrossIt()
    {
        using (var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 100, Keep = 10 }))
        {
            WriteAll(s, Enumerable.Range(0, 10).Select(i => Record(i))); // one write holding ten 30-byte records
        }

        var files = FilesOldestFirst();
        Assert.Equal(4, files.Count); // 3 + 3 + 3 + 1
        Assert.Equal(string.Concat(Enumerable.Range(0, 10).Select(i => Record(i))), string.Concat(files.Select(File.ReadAllText)));
        foreach (var f in files)
        {
            byte[] bytes = File.ReadAllBytes(f);
            Assert.True(bytes.Length <= 100, $"{f}: {bytes.Length} bytes");
            Assert.Equal((byte)'\n', bytes[^1]);
        }

        Assert.Equal(Record(9), File.ReadAllText(Path));
    }

    [Fact]
    public void ARecordFillingTheFileExactlyStaysInIt()
    {
        using var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 90 });
        WriteAll(s, [Record(0), Record(1)]);
        WriteAll(s, [Record(2)]); // 90 bytes: exactly the limit
        Assert.Equal(0, s.Rotations);
        WriteAll(s, [Record(3)]);
        Assert.Equal(1, s.Rotations);
        Assert.Equal(Record(0) + Record(1) + Record(2), File.ReadAllText(RotatingFileStream.RotatedName(Path, 1)));
        Assert.Equal(Record(3), File.ReadAllText(Path));
    }

    [Fact]
    public void ARecordLongerThanTheLimitGetsAFileOfItsOwn()
    {
        using (var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 100, Keep = 10 }))
        {
            WriteAll(s, [Record(0), Record(1, 250), Record(2)]);
        }

        var files = FilesOldestFirst();
        Assert.Equal([Record(0), Record(1, 250), Record(2)], files.Select(File.ReadAllText));
    }

    [Fact]
    public void KeepsOnlyTheNewestNRotatedFilesShiftedLikeLogrotate()
    {
        using (var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 30, Keep = 3 }))
        {
            for (int i = 0; i < 10; i++)
            {
                WriteAll(s, [Record(i)]);
            }

            Assert.Equal(9, s.Rotations);
        }

        Assert.Equal(Record(9), File.ReadAllText(Path));
        Assert.Equal(Record(8), File.ReadAllText(RotatingFileStream.RotatedName(Path, 1)));
        Assert.Equal(Record(7), File.ReadAllText(RotatingFileStream.RotatedName(Path, 2)));
        Assert.Equal(Record(6), File.ReadAllText(RotatingFileStream.RotatedName(Path, 3)));
        Assert.False(File.Exists(RotatingFileStream.RotatedName(Path, 4)));
        Assert.Equal(4, Directory.GetFiles(_dir).Length);
    }

    [Fact]
    public void IntervalRotatesAtTheFirstRecordAfterIt()
    {
        var clock = new ManualClock();
        using var s = new RotatingFileStream(Path, new RotationOptions { Interval = TimeSpan.FromMinutes(10) }, clock);
        WriteAll(s, [Record(0)]);
        clock.Now += TimeSpan.FromMinutes(9);
        WriteAll(s, [Record(1)]);
        Assert.Equal(0, s.Rotations);
        clock.Now += TimeSpan.FromMinutes(1);
        WriteAll(s, [Record(2), Record(3)]);
        Assert.Equal(1, s.Rotations);
        Assert.Equal(Record(0) + Record(1), File.ReadAllText(RotatingFileStream.RotatedName(Path, 1)));
        Assert.Equal(Record(2) + Record(3), File.ReadAllText(Path));

        // The interval counts from the new file's start; an empty file is never rotated.
        clock.Now += TimeSpan.FromMinutes(5);
        WriteAll(s, [Record(4)]);
        Assert.Equal(1, s.Rotations);
    }

    [Fact]
    public void AnIdleEmptyFileIsNotRotated()
    {
        var clock = new ManualClock();
        using var s = new RotatingFileStream(Path, new RotationOptions { Interval = TimeSpan.FromSeconds(1) }, clock);
        clock.Now += TimeSpan.FromHours(1);
        WriteAll(s, [Record(0)]);
        Assert.Equal(0, s.Rotations);
        Assert.False(File.Exists(RotatingFileStream.RotatedName(Path, 1)));
    }

    [Fact]
    public void SizeAndIntervalTogether()
    {
        var clock = new ManualClock();
        using var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 100, Interval = TimeSpan.FromMinutes(1), Keep = 10 }, clock);
        WriteAll(s, [Record(0), Record(1), Record(2), Record(3)]); // size: 3 + 1
        clock.Now += TimeSpan.FromMinutes(2);
        WriteAll(s, [Record(4)]); // interval
        Assert.Equal(2, s.Rotations);
        Assert.Equal([Record(0) + Record(1) + Record(2), Record(3), Record(4)], FilesOldestFirst().Select(File.ReadAllText));
    }

    [Fact]
    public void AnUnfinishedRecordIsNeverSplitOverTwoFiles()
    {
        using (var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 40, Keep = 10 }))
        {
            string r1 = Record(1, 30);
            s.Write(Encoding.UTF8.GetBytes(Record(0, 20)));
            s.Write(Encoding.UTF8.GetBytes(r1[..10])); // a record arrives in two writes
            s.Write(Encoding.UTF8.GetBytes(r1[10..]));
            s.Write(Encoding.UTF8.GetBytes(Record(2, 20)));
        }

        Assert.Equal([Record(0, 20) + Record(1, 30), Record(2, 20)], FilesOldestFirst().Select(File.ReadAllText));
    }

    [Fact]
    public void ReopeningCountsWhatTheFileAlreadyHolds()
    {
        File.WriteAllText(Path, Record(0) + Record(1) + Record(2));
        using var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 100 });
        Assert.Equal(90, s.CurrentSize);
        WriteAll(s, [Record(3)]);
        Assert.Equal(1, s.Rotations);
        Assert.Equal(Record(3), File.ReadAllText(Path));
    }

    [Fact]
    public void FilesAreCreatedWithMode0640()
    {
        using (var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 30 }))
        {
            WriteAll(s, [Record(0), Record(1), Record(2)]);
        }

        foreach (var f in FilesOldestFirst())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(f));
        }
    }

    [Fact]
    public void AFailedRotationWarnsOnceAndWritingGoesOn()
    {
        Directory.CreateDirectory(RotatingFileStream.RotatedName(Path, 1)); // FILE cannot be renamed onto a directory
        var warnings = new List<string>();
        using (var s = new RotatingFileStream(Path, new RotationOptions { MaxBytes = 30, Keep = 1 }, warn: warnings.Add))
        {
            WriteAll(s, Enumerable.Range(0, 5).Select(i => Record(i)));
            Assert.Equal(0, s.Rotations);
        }

        Assert.Single(warnings);
        Assert.Contains("rotation failed", warnings[0], StringComparison.Ordinal);
        Assert.Equal(string.Concat(Enumerable.Range(0, 5).Select(i => Record(i))), File.ReadAllText(Path));
    }

    [Fact]
    public void WithoutRotationItAppendsLikeBefore()
    {
        File.WriteAllText(Path, Record(0));
        using (var s = new RotatingFileStream(Path))
        {
            WriteAll(s, Enumerable.Range(1, 100).Select(i => Record(i)));
            Assert.Equal(0, s.Rotations);
        }

        Assert.Equal(string.Concat(Enumerable.Range(0, 101).Select(i => Record(i))), File.ReadAllText(Path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
