using System.Buffers.Text;

namespace Sniffer.Output;

/// <summary>
/// Builds a small JSON value from pre-encoded ASCII pieces (fixed property names, numbers, timestamps, addresses)
/// in a caller's stack buffer, for <c>Utf8JsonWriter.WriteRawValue</c>: no escaping pass over text that cannot need
/// it. Only for pieces known to be plain ASCII without quotes or backslashes.
/// </summary>
internal ref struct RawJson
{
    private readonly Span<byte> _buffer;
    private int _length;

    public RawJson(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Append(scoped ReadOnlySpan<byte> ascii)
    {
        ascii.CopyTo(_buffer[_length..]);
        _length += ascii.Length;
    }

    public void Append(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer[_length..], out int n);
        _length += n;
    }

    public void AppendTime(long unixNanoseconds) => _length += Rfc3339.Format(unixNanoseconds, _buffer[_length..]);
}
