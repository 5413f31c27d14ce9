namespace Sniffer.Output.Delivery;

/// <summary>When <see cref="RotatingFileStream"/> starts a new file (<c>--rotate-size</c>, <c>--rotate-interval</c>, <c>--rotate-keep</c>).</summary>
public sealed record RotationOptions
{
    /// <summary>Rotated files kept when <c>--rotate-keep</c> is not given.</summary>
    public const int DefaultKeep = 5;
    /// <summary>Most rotated files kept.</summary>
    public const int MaxKeep = 1000;
    /// <summary>Smallest <c>--rotate-size</c>: 1 KiB.</summary>
    public const long MinSizeBytes = 1024;

    /// <summary>Rotate before a record that would make the file larger than this; 0 = no size limit.</summary>
    public long MaxBytes { get; init; }

    /// <summary>Rotate before the first record written once the file has been open this long; zero = never.</summary>
    public TimeSpan Interval { get; init; }

    /// <summary>Rotated files kept: FILE.1 (newest) … FILE.N (oldest).</summary>
    public int Keep { get; init; } = DefaultKeep;

    public bool Enabled => MaxBytes > 0 || Interval > TimeSpan.Zero;
}

/// <summary>
/// The <c>-w FILE</c> output: appends NDJSON to FILE (created with mode 0640) and, when rotation is on, renames
/// it the way logrotate does — FILE → FILE.1 → FILE.2 … → FILE.N, the oldest dropped — before the record that
/// would cross the size limit, or the first record written after the interval. Rotation happens only between
/// records: a record is never split over two files, and every rotated file ends with a complete line.
/// Renaming keeps the inode, so a tailer (Filebeat filestream, Vector, Splunk) that has FILE open reads it to the
/// end and picks up the new FILE. One writer (the output thread); not thread-safe.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RotatingFileStream : Stream
{
    private const UnixFileMode CreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private readonly string _path;
    private readonly RotationOptions _rotation;
    private readonly TimeProvider _time;
    private readonly Action<string>? _warn;
    private FileStream _file;
    private long _size;
    private DateTimeOffset _openedAt;
    /// <summary>The last byte written was not a newline: a record is open and the file must not rotate yet.</summary>
    private bool _midRecord;
    /// <summary>After a failed rotation, no new attempt (and warning) before this time.</summary>
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;

    /// <summary>Wait after a failed rotation before trying again.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);

    /// <param name="warn">Told (one line) when a rotation fails; writing then goes on in the same file.</param>
    public RotatingFileStream(string path, RotationOptions? rotation = null, TimeProvider? time = null, Action<string>? warn = null)
    {
        _path = path;
        _rotation = rotation ?? new RotationOptions();
        _time = time ?? TimeProvider.System;
        _warn = warn;
        _file = Open();
    }

    public string Path => _path;

    /// <summary>Rotations done by this instance.</summary>
    public long Rotations { get; private set; }

    /// <summary>Bytes in the current file.</summary>
    public long CurrentSize => _size;

    /// <summary>Name of the n-th rotated file (1 = newest).</summary>
    public static string RotatedName(string path, int n) => $"{path}.{n}";

    /// <summary>Opens FILE for appending (mode 0640 when created) and resets size and age.</summary>
    private FileStream Open()
    {
        var f = new FileStream(_path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            BufferSize = 0,
            UnixCreateMode = CreateMode,
        });
        _size = f.Length;
        _openedAt = _time.GetUtcNow();
        _midRecord = false;
        return f;
    }

    /// <summary>Writes whole records (each ending with '\n'), rotating between them when due.</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_rotation.Enabled)
        {
            WriteToFile(buffer);
            return;
        }

        while (!buffer.IsEmpty)
        {
            if (_rotation.Interval > TimeSpan.Zero && MayRotate() && _time.GetUtcNow() - _openedAt >= _rotation.Interval)
            {
                Rotate();
            }

            int take = buffer.Length;
            long max = _rotation.MaxBytes;
            if (max > 0 && _size + take > max)
            {
                // The whole records that still fit; the record that would cross the limit starts the next file.
                long room = max - _size;
                int cut = room > 0 && !_midRecord ? buffer[..(int)Math.Min(room, buffer.Length)].LastIndexOf((byte)'\n') + 1 : 0;
                if (cut == 0)
                {
                    if (MayRotate() && Rotate())
                    {
                        continue;
                    }

                    // The file is empty (a record longer than the limit gets a file of its own), an open record
                    // must be finished first, or rotation failed: write up to the end of the next record.
                    int nl = buffer.IndexOf((byte)'\n');
                    cut = nl < 0 ? buffer.Length : nl + 1;
                }

                take = cut;
            }

            WriteToFile(buffer[..take]);
            buffer = buffer[take..];
        }
    }

    /// <summary>Between two records, in a file that holds some, and not right after a failed rotation.</summary>
    private bool MayRotate() => _size > 0 && !_midRecord && _time.GetUtcNow() >= _retryAt;

    private void WriteToFile(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        try
        {
            _file.Write(bytes);
        }
        catch (IOException)
        {
            KeepWholeLines(bytes);
            throw;
        }

        _size += bytes.Length;
        _midRecord = bytes[^1] != (byte)'\n';
    }

    /// <summary>Bytes read at a time when looking back for the end of the last whole record.</summary>
    private const int TailBlock = 4096;

    /// <summary>
    /// A write failed part-way (disk full, quota): the file may end in half a record. Cut it back to the end of its
    /// last complete line, so every record that made it is whole and nothing after it is garbage.
    /// </summary>
    private void KeepWholeLines(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var handle = _file.SafeFileHandle;
            long length = RandomAccess.GetLength(handle);
            int written = (int)Math.Clamp(length - _size, 0, bytes.Length);
            int lastInNew = bytes[..written].LastIndexOf((byte)'\n');
            long keep = lastInNew >= 0 ? _size + lastInNew + 1 : _midRecord ? EndOfLastLine(handle, _size) : _size;
            if (keep < length)
            {
                _file.SetLength(keep);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            // Nothing more can be done; the write error is what gets reported.
        }
    }

    /// <summary>Offset just after the last '\n' before <paramref name="end"/> (0 when there is none).</summary>
    private static long EndOfLastLine(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long end)
    {
        Span<byte> block = stackalloc byte[TailBlock];
        while (end > 0)
        {
            int n = (int)Math.Min(TailBlock, end);
            int read = RandomAccess.Read(handle, block[..n], end - n);
            int nl = block[..read].LastIndexOf((byte)'\n');
            if (nl >= 0)
            {
                return end - n + nl + 1;
            }

            end -= n;
        }

        return 0;
    }

    /// <summary>FILE.N-1 → FILE.N, …, FILE → FILE.1, new FILE. False (and a warning) when a rename failed.</summary>
    private bool Rotate()
    {
        _file.Flush();
        _file.Dispose();
        bool done = false;
        try
        {
            for (int n = _rotation.Keep - 1; n >= 1; n--)
            {
                string from = RotatedName(_path, n);
                if (File.Exists(from))
                {
                    File.Move(from, RotatedName(_path, n + 1), overwrite: true);
                }
            }

            File.Move(_path, RotatedName(_path, 1), overwrite: true);
            Rotations++;
            done = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _warn?.Invoke($"{_path}: rotation failed: {e.Message}; writing on in the same file");
        }

        _file = Open();
        if (!done)
        {
            _retryAt = _time.GetUtcNow() + RetryDelay;
        }

        return done;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => _file.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _size;

    public override long Position
    {
        get => _size;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
